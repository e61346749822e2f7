import type { Logger } from 'pino';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import { BlockLineReader } from '../adapters/clickhouse/block-stream.js';
import { buildApp } from '../adapters/http/app.js';
import type { HealthSource } from '../adapters/http/routes/health.js';
import { BlockFeed, kafkaDistribute } from '../adapters/kafka/block-feed.js';
import { createKafka } from '../adapters/kafka/client.js';
import { kafkaSink } from '../adapters/kafka/messages.js';
import { KafkaPublisher } from '../adapters/kafka/publisher.js';
import { AttemptVerdicts } from '../api/attempt-verdicts.js';
import { BlockCheckService } from '../api/block-check.js';
import { BOOTSTRAP_SECONDS, createApiMetrics } from '../api/metrics.js';
import type { Gauge } from 'prom-client';
import type { ApiStore, CdrIngest, Distribute, RuleComparer, VerdictFeed } from '../api/ports.js';
import type { Config } from '../config/config.js';
import { BlockTable } from '../domain/blocks/block-table.js';
import type { Block } from '../domain/blocks/block.js';
import { verdictStoreSink } from '../pipeline/batch.js';
import type { BatchSink } from '../pipeline/ports.js';
import { Pusher } from '../push/pusher.js';
import { pushTargets } from '../push/targets.js';
import { configFingerprint } from '../security/config-fingerprint.js';
import { criticalAlarms, sourceAlarm } from '../security/critical-alarms.js';
import type { SecurityStore } from '../security/ports.js';
import { composeSecurity } from '../security/security.js';
import { ATTEMPT_ENGINE, attemptDigest, engineFactory } from './parts.js';
import { AttemptThread } from '../ipc/attempt-thread.js';
import { RuleReloader } from '../adapters/files/rule-reload.js';
import { parseCallEndJson, type CallEnd } from '../domain/live/call-end.js';
import { homeCallingCode, hotlistParts } from './hotlists.js';
import type { HotlistStore } from '../lists/ports.js';
import { Hotlists } from '../lists/hotlists.js';
import { SentinelaError } from '../errors.js';
import { retry, type Backoff } from '../retry.js';

/** A start read retried after the pipeline child came back: at once, then backing off should it go away again. */
const STORE_RETRY: Backoff = { initialMs: 100, maxMs: 5_000 };
/** Block table subjects swept every 100 ms: a million in 20 s, under a millisecond a slice (all at once: a 20-40 ms stall). */
const SWEEP_SLICE = 5_000;

export interface ApiWiring {
  readonly config: Config;
  readonly ruleFiles: RuleFiles;
  readonly store: ApiStore;
  readonly securityStore: SecurityStore;
  /** Shared hotlists (issue 16); without it block-check has none and the list routes answer 503. */
  readonly hotlistStore?: HotlistStore | undefined;
  /** The audit chain key (main/audit-key.ts) and this writer's chain name. */
  readonly audit: { readonly key: Buffer; readonly chain: string };
  readonly log: Logger;
  /** The embedded mode: CDRs over HTTP, and the verdicts its pipeline persisted. With KAFKA_BROKERS blocks come from the topic. */
  readonly embedded?: { readonly ingest: CdrIngest; readonly feed: VerdictFeed } | undefined;
  /** `--role all`: resolves once a pipeline child (the store's process) is ready; a `start` read that found it gone is made again then. */
  readonly storeReady?: (() => Promise<void>) | undefined;
  /** The pipeline's health when it runs beside the API (`--role all`, embedded). */
  readonly pipelineHealth?: HealthSource | undefined;
  readonly moreMetrics?: (() => Promise<string>) | undefined;
  /** Hot reload: puts new rules in force in the pipeline beside this API (its child, or in-process in tests). */
  readonly reloadPipeline?: ((next: RuleFiles) => Promise<void>) | undefined;
  /** POST /v1/rules/compare: replays stored CDRs where they are (main/compare.ts). */
  readonly comparer?: RuleComparer | undefined;
  readonly clock?: () => number;
  readonly version?: string;
}

/** An API replica: block table, attempt rules, feed, pusher and routes. `start` bootstraps and joins the feed. */
export async function composeApi(w: ApiWiring) {
  const { config, store, log } = w;
  const clock = w.clock ?? Date.now;
  const kc = config.kafka;
  const kafka = kc ? createKafka(kc, log) : undefined;
  const publisher = kafka ? new KafkaPublisher(kafka) : undefined;
  const table = new BlockTable();
  const pusher = new Pusher({
    targets: pushTargets(config.push),
    maxAttempts: config.push.webhook?.maxAttempts ?? config.push.kamailio?.maxAttempts ?? 1,
    deadLetter: (f) => store.insertPushFailure(f),
    log,
  });
  // embedded: this process is every replica; push in order, do not wait
  const pushAll: Distribute = async (blocks) => {
    for (const b of blocks) void pusher.push(b).catch((err: unknown) => log.error({ err, blockId: b.id }, 'push failed and could not be dead-lettered'));
  };
  const distribute: Distribute = kc && publisher ? kafkaDistribute(publisher, kc.topics.blocks) : pushAll;
  const security = composeSecurity({
    store: w.securityStore,
    clock,
    log,
    config: {
      auditKey: w.audit.key,
      chain: w.audit.chain,
      auditQuota: config.security.auditQuota,
      auditVerify: config.security.auditVerify,
      alarmWebhook: config.security.alarmWebhook,
    },
  });
  const alarmCritical = criticalAlarms(security.alarms, config.security.maskCallers);
  const lists = w.hotlistStore ? hotlistParts({ store: w.hotlistStore, clock, log }) : undefined;
  const hotlists = lists
    ? new Hotlists({ store: lists.store, audit: security.audit, clock, refresher: lists.refresher, log, homeCountryCode: homeCallingCode(config) })
    : undefined;
  // stored first, then published or pushed: a store retry never re-publishes (and re-pushes) the same block
  const sinks: BatchSink[] = [verdictStoreSink(store), kc && publisher ? kafkaSink(publisher, kc.topics) : (batch) => distribute(batch.blocks)];
  const attemptVerdicts = new AttemptVerdicts({ sinks, decisionSinks: [(batch) => store.insertDecisions(batch.decisions)], log });
  const counter = config.api.attemptThread
    ? new AttemptThread({ config, ruleFiles: w.ruleFiles, log, deliver: (v, now) => service.attemptVerdicts(v, now) })
    : undefined;
  const service = new BlockCheckService({
    attempts: engineFactory(config, w.ruleFiles, ATTEMPT_ENGINE)(),
    ...(counter ? { counter } : {}),
    table,
    failPolicy: config.api.failPolicy,
    staleAfterMs: config.api.staleAfterMs,
    // live concurrent calls need every CDR's end: the embedded pipeline's, or the call-ends topic's (an API replica
    // with neither would hold every call for the full max age and refuse an account's calls long after they ended)
    liveCalls: w.embedded !== undefined || kc?.topics.calls !== undefined ? config.api.liveCalls : undefined,
    ...(lists ? { hotlist: lists.holder } : {}),
    onVerdicts: (verdicts) => {
      attemptVerdicts.write(verdicts);
      alarmCritical(verdicts.filter((v) => v.kind === 'alert'));
    },
  });
  const registry = createApiMetrics({ service, table, pusher, clock });
  /** Block-check answers of the minutes that ended, to ClickHouse (every 10 s; tests call it and wait until stored). */
  const writeDecisions = () => attemptVerdicts.writeDecisions(service.decisions.take(clock()));
  const rules = new RuleReloader({
    initial: w.ruleFiles,
    log,
    registry,
    clock,
    audit: (result, details) => security.audit.record({ type: 'rules.reload', actor: 'system', ip: '', result, details }),
    // the pipeline first: when it cannot follow, nothing changed and the reload is refused
    apply: async (next) => {
      await w.reloadPipeline?.(next);
      if (attemptDigest(next) !== attemptDigest(rules.current)) {
        service.useAttemptRules(engineFactory(config, next, ATTEMPT_ENGINE)());
        counter?.useRules(next);
      }
    },
  });

  /** Embedded mode: blocks the pipeline issued, applied here and pushed on. */
  const applyBlocks = (blocks: readonly Block[]) => {
    const now = clock();
    for (const b of blocks) table.apply(b, now);
    void distribute(blocks);
  };
  w.embedded?.feed.on('blocks', applyBlocks);
  w.embedded?.feed.on('critical', alarmCritical);
  w.embedded?.feed.on('source', (change) => security.alarms.raise(sourceAlarm(change)));
  w.embedded?.feed.on('ends', (ends) => {
    const now = clock();
    for (const e of ends) service.ended(e, now);
  });

  const health: HealthSource = () => {
    const feed = service.status(clock());
    const pipe = w.pipelineHealth?.();
    if (pipe && !pipe.ready) return { ready: false, degraded: pipe.degraded, reason: `pipeline: ${pipe.reason}` };
    return { ready: feed.ready, degraded: feed.state === 'stale', reason: feed.reason };
  };
  const app = await buildApp({
    log,
    registry,
    health,
    ...(w.moreMetrics ? { moreMetrics: w.moreMetrics } : {}),
    ...(w.version ? { version: w.version } : {}),
    api: {
      service,
      store,
      distribute,
      ingest: w.embedded?.ingest,
      rules,
      comparer: w.comparer,
      clock,
      maxEventLoopDelayMs: config.api.maxEventLoopDelayMs,
      security,
      pbxAuth: config.security.pbxAuth,
      maskCallers: config.security.maskCallers,
      timeZone: config.dialling.timeZone,
      hotlists: hotlists && lists ? { service: hotlists, store: lists.store } : undefined,
    },
  });

  /**
   * A `start` read that found the pipeline child gone (STORE_UNAVAILABLE), made again once a new one is ready: it may
   * run during the child's first rebuild (issue 19), and PipelineHost restarts a dead child. Timers come after it.
   */
  const stored = <T>(job: () => Promise<T>): Promise<T> => {
    const storeReady = w.storeReady;
    if (!storeReady) return job();
    return retry(job, {
      backoff: STORE_RETRY,
      retryable: (err) => err instanceof SentinelaError && err.code === 'STORE_UNAVAILABLE',
      onRetry: async (err) => {
        log.warn({ err: err.message }, 'the pipeline process went away while the API started; reading again once it is ready');
        await storeReady();
      },
    });
  };
  const feeds: Pick<BlockFeed, 'start' | 'stop'>[] = [];
  const timers: NodeJS.Timeout[] = [];
  let joined = !kafka;
  let bootstrapped = false;
  const start = async () => {
    await stored(() => security.start()); // its timers start after its reads
    await lists?.start(); // never fails: the lists load again every 2 s until read
    await stored(() =>
      security.audit.record({ type: 'config.loaded', actor: 'system', ip: '', result: 'success', details: configFingerprint(config, w.ruleFiles) }),
    );
    const warming = counter?.warm(5_000); // beside the bootstrap: the first checks counted at once (they queue meanwhile)
    rules.start();
    timers.push(
      setInterval(() => table.sweep(clock(), SWEEP_SLICE), 100),
      setInterval(() => service.graded.sweep(clock()), 10_000),
      setInterval(() => void writeDecisions(), 10_000),
    );
    if (kafka && kc && publisher) {
      const onJoined = () => {
        joined = true;
        if (bootstrapped) service.markLoaded(clock());
      };
      feeds.push(
        new BlockFeed({
          kafka,
          topic: kc.topics.blocks,
          mode: { kind: 'broadcast', groupPrefix: kc.groupId },
          log,
          onRecord: (b) => void table.apply(b, clock()),
          onHeard: () => service.heard(clock()),
          onJoined,
          sessionTimeout: kc.sessionTimeoutMs,
          maxWaitTimeInMs: kc.fetchMaxWaitMs,
        }),
      );
      // server mode: every replica reads every call end from the topic's end on (the calls it answered close)
      if (kc.topics.calls !== undefined)
        feeds.push(
          new BlockFeed<CallEnd>({
            kafka,
            topic: kc.topics.calls,
            mode: { kind: 'broadcast', groupPrefix: `${kc.groupId}-calls` },
            log,
            parse: parseCallEndJson,
            fromBeginning: false,
            onRecord: (e) => service.ended(e, clock()),
            sessionTimeout: kc.sessionTimeoutMs,
            maxWaitTimeInMs: kc.fetchMaxWaitMs,
          }),
        );
      if (pusher.enabled)
        feeds.push(
          new BlockFeed({
            kafka,
            topic: kc.topics.blocks,
            mode: { kind: 'shared', groupId: `${kc.groupId}-push` },
            log,
            onRecord: (b, alive) => pusher.push(b, alive),
            sessionTimeout: kc.sessionTimeoutMs,
            maxWaitTimeInMs: kc.fetchMaxWaitMs,
          }),
        );
      await publisher.connect();
      for (const f of feeds) await f.start();
    } else {
      timers.push(setInterval(() => service.heard(clock()), 1_000)); // in-process feed: current while the pipeline runs
    }
    let started = performance.now();
    const { asOf, chunks } = await stored(async () => {
      started = performance.now();
      const asOf = clock();
      return { asOf, chunks: await store.activeBlocks(asOf) };
    });
    const read = performance.now() - started;
    const reader = new BlockLineReader((b) => void table.apply(b, asOf));
    for (const chunk of chunks) reader.push(chunk);
    const lines = reader.end();
    bootstrapped = true;
    (registry.getSingleMetric(BOOTSTRAP_SECONDS) as Gauge | undefined)?.set((performance.now() - started) / 1000);
    log.info({ blocks: table.size, lines, ms: Math.round(performance.now() - started), readMs: Math.round(read) }, 'block table bootstrapped from ClickHouse');
    await warming;
    if (joined) service.markLoaded(clock());
  };
  const stop = async () => {
    void attemptVerdicts.writeDecisions(service.decisions.take()); // the minute under way too (the summing table adds up split minutes)
    await rules.stop(); // a reload under way is audited before the audit trail stops
    await counter?.close(); // the attempts answered so far counted, their verdicts written next
    await attemptVerdicts.drain(5_000);
    security.stop();
    lists?.stop();
    for (const t of timers) clearInterval(t);
    for (const f of feeds) await f.stop();
    await publisher?.disconnect();
  };
  // attemptsCounted: once the attempts answered so far are counted and their blocks in the table (tests)
  const attemptsCounted = () => counter?.settled() ?? Promise.resolve();
  return { app, service, table, pusher, registry, security, store, hotlists, writeDecisions, attemptsCounted, rules, start, stop };
}
export type ComposedApi = Awaited<ReturnType<typeof composeApi>>;
