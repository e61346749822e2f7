import { createHash } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import { buildApp } from '../adapters/http/app.js';
import type { HealthSource } from '../adapters/http/routes/health.js';
import { BlockFeed, kafkaDistribute } from '../adapters/kafka/block-feed.js';
import type { KafkaPublisher } from '../adapters/kafka/publisher.js';
import type { Config, KafkaConfig } from '../config/config.js';
import { BlockTable } from '../domain/blocks/block-table.js';
import { blockRecordJson, recordOfBlock, type BlockRecord } from '../domain/blocks/record.js';
import { createEngine } from '../domain/engine/build.js';
import { subjectText, verdictJson, type Alert, type Verdict } from '../domain/engine/verdicts.js';
import { engineBase } from '../processor/compose.js';
import { Pusher } from '../push/pusher.js';
import { KamailioTarget, WebhookTarget, type PushTarget } from '../push/targets.js';
import { BlockCheckService } from './block-check.js';
import type { SecurityStore } from './security/ports.js';
import { composeSecurity } from './security/security.js';
import { verdictBrief, type ApiStore, type CdrIngest, type Distribute, type VerdictBrief } from './ports.js';

export interface ApiWiring {
  readonly config: Config;
  readonly ruleFiles: RuleFiles;
  readonly store: ApiStore;
  readonly securityStore: SecurityStore;
  /** The audit chain key (runtime/audit-key.ts) and this writer's chain name. */
  readonly audit: { readonly key: Buffer; readonly chain: string };
  readonly log: Logger;
  /** Kafka mode: blocks come from and go to the blocks topic. Without it, the embedded mode feeds `applyBlocks`. */
  readonly kafka?: { readonly kafka: Kafka; readonly publisher: KafkaPublisher; readonly config: KafkaConfig } | undefined;
  readonly ingest?: CdrIngest | undefined;
  /** The pipeline's health when it runs beside the API (`--role all`, embedded). */
  readonly pipelineHealth?: HealthSource | undefined;
  readonly moreMetrics?: (() => Promise<string>) | undefined;
  readonly clock?: () => number;
  readonly version?: string;
}

/** Wires the API: block table, attempt rules, feed, pusher and routes. `start` bootstraps and joins the feed. */
export async function composeApi(w: ApiWiring) {
  const { config, store, log } = w;
  const clock = w.clock ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sentinela_api_' });
  const table = new BlockTable();
  const pusher = new Pusher({ targets: pushTargets(config), maxAttempts: config.push.webhook?.maxAttempts ?? config.push.kamailio?.maxAttempts ?? 1, deadLetter: (f) => store.insertPushFailure(f), log });
  const kafka = w.kafka;
  const distribute: Distribute = kafka
    ? kafkaDistribute(kafka.publisher, kafka.config.topics.blocks)
    : async (records) => {
        for (const r of records) void pusher.push(r); // embedded: this process is every replica; push in order, do not wait
      };
  const security = composeSecurity({ store: w.securityStore, clock, log, config: { auditKey: w.audit.key, chain: w.audit.chain, auditQuota: config.security.auditQuota, alarmWebhook: config.security.alarmWebhook } });
  const persistVerdicts = verdictWriter({ store, distribute, log, publishAlerts: kafka ? (alerts) => kafka.publisher.send(alerts.map((a) => ({ topic: kafka.config.topics.alerts, key: `${a.tenant}|${subjectText(a.subject)}|${a.rule}`, value: verdictJson(a), headers: { kind: 'alert', severity: a.severity } }))) : undefined });
  /** A1: critical alerts reach the administrators' alarm channels (deduplicated per tenant, rule and subject). */
  const alarmCritical = (alerts: readonly VerdictBrief[]) => {
    for (const a of alerts) {
      const subject = config.security.maskCallers ? createHash('sha256').update(a.subject).digest('hex').slice(0, 16) : a.subject; // A13: not even in the dedup key
      security.alarms.raise({ key: `alert:${a.tenant}:${a.rule}:${subject}`, kind: 'alert', severity: 'critical', title: `critical alert ${a.rule} on ${config.security.maskCallers ? 'a masked subject' : a.subject} (tenant ${a.tenant})`, details: { ...a, ...(config.security.maskCallers ? { subject: a.subject.split(':')[0] ?? '' } : {}) } });
    }
  };
  const attempts = createEngine(w.ruleFiles, engineBase(config), { on: 'attempt', allowedLatenessMs: 5_000 });
  const service = new BlockCheckService({ attempts, table, failPolicy: config.api.failPolicy, staleAfterMs: config.api.staleAfterMs, onVerdicts: (verdicts) => {
    persistVerdicts.write(verdicts);
    alarmCritical(verdicts.filter((v) => v.kind === 'alert' && v.severity === 'critical').map(verdictBrief));
  } });

  new Counter({ name: 'sentinela_block_checks_total', help: 'block-check answers by action', labelNames: ['action'], registers: [registry], collect() {
    this.reset();
    for (const [action, n] of Object.entries(service.counts)) this.inc({ action }, n);
  } });
  new Gauge({ name: 'sentinela_active_blocks', help: 'blocks in this replica\'s block table', registers: [registry], collect() { this.set(table.size); } });
  new Gauge({ name: 'sentinela_block_table_ready', help: '1 when the block table is loaded and fresh', registers: [registry], collect() { this.set(service.status(clock()).ready ? 1 : 0); } });
  new Gauge({ name: 'sentinela_pushes', help: 'block pushes to the PBX side', labelNames: ['outcome'], registers: [registry], collect() {
    for (const [outcome, n] of Object.entries(pusher.counts)) this.set({ outcome }, n);
  } });

  const health: HealthSource = () => {
    const feed = service.status(clock());
    const pipe = w.pipelineHealth?.();
    if (pipe && !pipe.ready) return { ready: false, degraded: pipe.degraded, reason: `pipeline: ${pipe.reason}` };
    return { ready: feed.ready, degraded: feed.state === 'stale', reason: feed.reason };
  };
  const app = await buildApp({
    log, registry, health, ...(w.moreMetrics ? { moreMetrics: w.moreMetrics } : {}), ...(w.version ? { version: w.version } : {}),
    api: { service, store, distribute, ingest: w.ingest, ruleFiles: w.ruleFiles, clock, maxEventLoopDelayMs: config.api.maxEventLoopDelayMs, security, pbxAuth: config.security.pbxAuth, maskCallers: config.security.maskCallers },
  });

  /** Embedded mode: blocks the pipeline issued, applied here and pushed on. */
  const applyBlocks = (records: readonly BlockRecord[]) => {
    const now = clock();
    for (const r of records) table.apply(r, now);
    void distribute(records);
  };

  const feeds: BlockFeed[] = [];
  const timers: NodeJS.Timeout[] = [];
  let joined = !kafka;
  let bootstrapped = false;
  const start = async () => {
    await security.start();
    await security.audit.record({ type: 'config.loaded', actor: 'system', ip: '', result: 'success', details: configFingerprint(config, w.ruleFiles) });
    timers.push(setInterval(() => table.sweep(clock()), 10_000));
    if (kafka) {
      const kc = kafka.config;
      const onJoined = () => {
        joined = true;
        if (bootstrapped) service.markLoaded(clock());
      };
      feeds.push(new BlockFeed({ kafka: kafka.kafka, topic: kc.topics.blocks, mode: { kind: 'broadcast', groupPrefix: kc.groupId }, log, onRecord: (r) => void table.apply(r, clock()), onHeard: () => service.heard(clock()), onJoined, sessionTimeout: kc.sessionTimeoutMs }));
      if (pusher.enabled) feeds.push(new BlockFeed({ kafka: kafka.kafka, topic: kc.topics.blocks, mode: { kind: 'shared', groupId: `${kc.groupId}-push` }, log, onRecord: (r, alive) => pusher.push(r, alive), sessionTimeout: kc.sessionTimeoutMs }));
      await kafka.publisher.connect();
      for (const f of feeds) await f.start();
    } else {
      timers.push(setInterval(() => service.heard(clock()), 1_000)); // in-process feed: current while the pipeline runs
    }
    const started = performance.now();
    for (const r of await store.activeBlocks(clock())) table.apply(r, clock());
    bootstrapped = true;
    log.info({ blocks: table.size, ms: Math.round(performance.now() - started) }, 'block table bootstrapped from ClickHouse');
    if (joined) service.markLoaded(clock());
  };
  const stop = async () => {
    await persistVerdicts.drain(5_000);
    security.stop();
    for (const t of timers) clearInterval(t);
    for (const f of feeds) await f.stop();
  };
  return { app, service, table, pusher, registry, security, store, applyBlocks, alarmCritical, start, stop };
}

function pushTargets(config: Config): PushTarget[] {
  const targets: PushTarget[] = [];
  if (config.push.webhook) targets.push(new WebhookTarget(config.push.webhook));
  if (config.push.kamailio) targets.push(new KamailioTarget(config.push.kamailio));
  return targets;
}

/**
 * Attempt-rule verdicts leave the request path here: queued, then stored and distributed (other replicas, the
 * pusher) in batches: everything queued while a write runs goes in the next write, so storage round trips do
 * not grow with the attempt rate. Retried with backoff while storage is down; the block itself already answers
 * from this replica's table.
 */
function verdictWriter(o: { store: ApiStore; distribute: Distribute; log: Logger; publishAlerts: ((alerts: readonly Alert[]) => Promise<void>) | undefined }) {
  let queued: Verdict[] = [];
  let running: Promise<void> | undefined;
  let stopping = false;
  let wake = () => {};
  const store = async (blocks: readonly BlockRecord[], alerts: readonly Alert[]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await o.store.saveBlocks(blocks);
        await o.store.insertAlerts(alerts);
        if (o.publishAlerts && alerts.length > 0) await o.publishAlerts(alerts);
        await o.distribute(blocks);
        return;
      } catch (err) {
        if (stopping) {
          // shutting down with storage gone: the full records go to the log, the only place left (never dropped silently)
          o.log.error({ err, blocks: blocks.map((b) => blockRecordJson(b)), alerts: alerts.map((a) => verdictJson(a)) }, 'attempt verdicts not stored at shutdown');
          return;
        }
        o.log.error({ err, attempt, blocks: blocks.length, alerts: alerts.length }, 'attempt verdicts not stored yet; retrying');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
        });
      }
    }
  };
  const run = async () => {
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      await store(batch.filter((v) => v.kind === 'block').map(recordOfBlock), batch.filter((v): v is Alert => v.kind === 'alert'));
    }
    running = undefined;
  };
  const write = (verdicts: readonly Verdict[]) => {
    queued.push(...verdicts);
    running ??= run();
  };
  /** Shutdown: waits up to `ms` for queued writes; a write that still fails is logged in full instead of retried. */
  const drain = async (ms: number) => {
    stopping = true;
    wake(); // a write waiting to retry tries once more now
    await Promise.race([running, new Promise((r) => setTimeout(r, ms).unref())]);
  };
  return { write, drain };
}

const SECRET_FIELD = /secret|password|auditKey/i;

/** EV04: what this server runs with: every non-secret setting and the rule files, with a digest to compare runs. */
function configFingerprint(config: Config, ruleFiles: RuleFiles): Record<string, unknown> {
  // any field named like a secret, at any depth, shows only whether it is set
  const visible = JSON.stringify(config, (name, value: unknown) => (SECRET_FIELD.test(name) && value !== undefined && value !== null ? '(set)' : value));
  const rules = ruleFiles.rules.map((r) => r.id);
  return { digest: createHash('sha256').update(visible).update(JSON.stringify(ruleFiles.rules)).digest('hex'), rules, settings: JSON.parse(visible) as unknown };
}
