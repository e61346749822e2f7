import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { createDecoder, validate, type DecoderContext, type FormatSpec } from '../domain/cdr/formats/registry.js';
import type { Cdr } from '../domain/cdr/contract.js';
import type { Decoder } from '../domain/cdr/formats/types.js';
import type { Engine } from '../domain/engine/engine.js';
import { SentinelaError } from '../errors.js';
import { PendingBatch, type OutTopics } from './batch.js';
import { Flusher } from './flusher.js';
import { rebuildEngine } from './state-rebuild.js';
import { RuleReporter, type ProcessorMetrics } from './metrics.js';
import type { CdrStore, Publisher, SourceRef } from './ports.js';

export interface ProcessorOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  /** CDR topics and the format of each. */
  readonly topics: readonly { readonly topic: string; readonly format: FormatSpec }[];
  readonly out: OutTopics;
  readonly batch: { readonly maxRows: number; readonly maxWaitMs: number };
  readonly maxMessageBytes: number;
  readonly newEngine: () => Engine;
  readonly decoders: DecoderContext;
  readonly store: CdrStore;
  readonly publisher: Publisher;
  readonly metrics: ProcessorMetrics;
  readonly log: Logger;
  /** Wall clock (epoch ms): bounds future CDRs and dates the state rebuild; rules run on event time. */
  readonly clock?: () => number;
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  /** kafkajs group timings; tests shorten them. */
  readonly consumer?: { readonly sessionTimeout?: number; readonly heartbeatInterval?: number; readonly rebalanceTimeout?: number; readonly maxWaitTimeInMs?: number };
}

export interface ProcessorHealth {
  readonly ready: boolean;
  readonly degraded: boolean;
  readonly reason: string;
}

/**
 * The stream processor: a consumer-group member that decodes, validates and evaluates CDRs, persists them with
 * their verdicts and commits offsets only after ClickHouse and Kafka acknowledged the batch (README "Delivery").
 * Rule state is rebuilt from ClickHouse on every partition assignment (README "State").
 */
export class Processor {
  private readonly consumer: Consumer;
  private readonly clock: () => number;
  private readonly formats: ReadonlyMap<string, FormatSpec>;
  private engine: Engine;
  private pending: PendingBatch;
  /** One decoder per topic partition (correlating decoders keep state per stream). */
  private readonly decoders = new Map<string, { readonly topic: string; readonly partition: number; readonly decoder: Decoder }>();
  private lock: Promise<unknown> = Promise.resolve();
  private assignment: Readonly<Record<string, number[]>> = {};
  private joined = false;
  private rebuilding = false;
  private reason = 'not joined yet';
  private readonly flusher: Flusher;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** An assignment arrived while the store was down: rebuild once the retry loop gets through. */
  private needsRebuild = false;
  private readonly rules: RuleReporter;

  constructor(private readonly o: ProcessorOptions) {
    this.clock = o.clock ?? Date.now;
    this.formats = new Map(o.topics.map((t) => [t.topic, t.format]));
    this.engine = o.newEngine();
    this.pending = new PendingBatch(o.out);
    this.rules = new RuleReporter(o.metrics);
    this.flusher = new Flusher({
      persist: (batch) => this.persist(batch),
      commit: (batch) => this.commit(batch),
      failed: (error) => this.failed(error),
      recovered: () => this.recovered(),
      retry: o.retry ?? { initialMs: 500, maxMs: 30_000 },
    });
    const c = o.consumer ?? {};
    this.consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: c.sessionTimeout ?? 30_000,
      heartbeatInterval: c.heartbeatInterval ?? 3_000,
      rebalanceTimeout: c.rebalanceTimeout ?? 60_000,
      maxWaitTimeInMs: c.maxWaitTimeInMs ?? 500,
      allowAutoTopicCreation: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.assignment = e.payload.memberAssignment;
      void this.exclusive(() => this.rebuild());
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => o.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed'));
  }

  /** Partitions this member owns since the last rebalance. */
  get assignedPartitions(): number {
    return Object.values(this.assignment).reduce((n, ps) => n + ps.length, 0);
  }

  health(): ProcessorHealth {
    const degraded = this.flusher.degraded;
    const ready = this.joined && !this.rebuilding && !degraded && !this.stopped;
    return { ready, degraded, reason: ready ? 'ok' : this.reason };
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    for (const { topic } of this.o.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.exclusive(() => this.eachBatch(payload)) });
    this.timer = setInterval(() => void this.exclusive(() => this.tick()), Math.max(50, Math.floor(this.o.batch.maxWaitMs / 2)));
  }

  /** Graceful stop: persist and commit what is pending (abandon it if the store is down), leave the group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = 'stopping';
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await this.exclusive(async () => {
      this.seal();
      await this.flusher.settle();
      this.flusher.stop(); // a batch the store still refuses is abandoned uncommitted: Kafka re-delivers it
    });
    await this.consumer.disconnect();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch((err: unknown) => this.o.log.error({ err }, 'processor step failed'));
    return run;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (this.rebuilding || this.flusher.degraded || this.stopped) return; // nothing resolved: these messages come again
    const { topic, partition } = batch;
    const decoder = this.decoderFor(topic, partition);
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale() || this.flusher.degraded) break;
      this.ingest(topic, partition, message, decoder);
      payload.resolveOffset(message.offset);
      if (this.pending.size >= this.o.batch.maxRows) {
        this.seal();
        // backpressure: at most one batch persisting and one sealed behind it
        if (this.flusher.depth >= 2) await this.flusher.settle();
        await payload.heartbeat();
      }
    }
    this.o.metrics.lag.set({ topic, partition: String(partition) }, Number(batch.offsetLag()));
    if (this.batchAge() >= this.o.batch.maxWaitMs) this.seal();
  }

  /** Hands the pending batch to the flusher and starts a new one. */
  private seal(): void {
    if (this.pending.size === 0 && this.pending.positions.size === 0) return;
    this.flusher.seal(this.pending);
    this.pending = new PendingBatch(this.o.out);
  }

  /** How long the oldest pending record has waited (monotonic clock: batching never uses the domain clock). */
  private batchAge(): number {
    return this.pending.firstAt === undefined ? -1 : performance.now() - this.pending.firstAt;
  }

  private ingest(topic: string, partition: number, message: KafkaMessage, decoder: Decoder): void {
    const m = this.o.metrics;
    m.messages.inc({ topic });
    const offset = Number(message.offset);
    const payload = message.value ?? Buffer.alloc(0);
    const source: SourceRef = { kind: 'kafka', topic, partition, offset, format: decoder.format };
    const now = this.clock();
    this.pending.touch(performance.now());
    const results =
      payload.length > this.o.maxMessageBytes
        ? [{ ok: false as const, error: new SentinelaError('CDR_TOO_LARGE', `message is ${payload.length} bytes, the limit is ${this.o.maxMessageBytes}`) }]
        : validate(decoder.decode(payload, offset));
    for (const result of results) {
      if (!result.ok) {
        m.rejected.inc({ code: result.error.code });
        this.o.log.warn({ topic, partition, offset, code: result.error.code, path: result.error.details.path }, result.error.message);
        this.pending.addRejected(payload, message.key, result.error, source);
        continue;
      }
      if (message.key !== null && message.key.toString() !== result.cdr.tenant) m.misrouted.inc();
      this.accept(result.cdr, source, now);
    }
    this.pending.position(topic, partition, offset + 1, decoder.oldestHeld?.());
  }

  /** Runs a valid CDR through the engine and queues its row and verdicts (a re-delivered CDR is stored already). */
  private accept(cdr: Cdr, source: SourceRef, now: number): void {
    this.o.metrics.cdrs.inc({ status: this.pending.evaluate(this.engine, cdr, source, now) });
  }

  private decoderFor(topic: string, partition: number): Decoder {
    const key = `${topic}\u0000${partition}`;
    let entry = this.decoders.get(key);
    if (!entry) {
      entry = { topic, partition, decoder: createDecoder(this.formats.get(topic) ?? { name: 'canonical', options: {} }, this.o.decoders) };
      this.decoders.set(key, entry);
    }
    return entry.decoder;
  }

  /** Timer: flush a batch that waited long enough, and give up on correlations that never completed. */
  private async tick(): Promise<void> {
    if (this.rebuilding || this.flusher.degraded || this.stopped) return;
    const now = this.clock();
    for (const { topic, partition, decoder } of this.decoders.values()) {
      if (!decoder.expire) continue;
      const source: SourceRef = { kind: 'kafka', topic, partition, offset: -1, format: decoder.format };
      for (const result of validate(decoder.expire(now - this.engine.stateHorizonMs))) {
        this.pending.touch(performance.now());
        if (result.ok) this.accept(result.cdr, source, now);
        else {
          // a held record that never completed (an answered INVITE without a time): dead-lettered, not dropped
          this.o.metrics.rejected.inc({ code: result.error.code });
          this.pending.addRejected(Buffer.alloc(0), null, result.error, source);
        }
      }
    }
    if (this.batchAge() >= this.o.batch.maxWaitMs) this.seal();
  }

  /**
   * Persists a sealed batch in an order that makes a crash at any point safe: Kafka messages (DLQ, alerts,
   * blocks), then ClickHouse verdicts and rejects, then the CDRs last, then the offsets. A CDR found in ClickHouse
   * therefore always has its verdicts published; anything else is re-read from Kafka and recomputed.
   */
  private async persist(batch: PendingBatch): Promise<void> {
    const started = performance.now();
    await this.o.publisher.send(batch.messages);
    await batch.store(this.o.store);
    this.o.metrics.batchRows.observe(batch.cdrs.length);
    this.o.metrics.batchSeconds.observe((performance.now() - started) / 1000);
  }

  private async commit(batch: PendingBatch): Promise<void> {
    try {
      await this.consumer.commitOffsets(batch.commits());
    } catch (err) {
      // persisted already: a re-delivery is recognised as duplicates, so this costs work, not correctness
      this.o.log.warn({ err }, 'offset commit failed; the batch is persisted and will be recognised if re-delivered');
    }
    this.rules.report(this.engine.ruleStats);
  }

  /** A flush failed: stop fetching; the flusher keeps the batch and retries with backoff until the store is back (A11). */
  private failed(error: SentinelaError): void {
    this.o.metrics.storeErrors.inc({ code: error.code });
    this.o.metrics.storeRetries.inc();
    this.o.metrics.degraded.set(1);
    this.consumer.pause(this.o.topics.map(({ topic }) => ({ topic })));
    this.reason = `degraded: ${error.code}: ${error.message}`;
    this.o.log.error({ code: error.code, err: error }, 'flush failed: consumption paused, retrying');
  }

  private recovered(): void {
    this.o.metrics.degraded.set(0);
    this.reason = 'ok';
    this.o.log.info('store is back: consumption resumes');
    if (this.needsRebuild) {
      this.needsRebuild = false;
      void this.exclusive(() => this.rebuild());
    } else if (!this.stopped) this.consumer.resume(this.o.topics.map(({ topic }) => ({ topic })));
  }

  /** Pauses, persists what is pending, and swaps in an engine rebuilt for the partitions now owned. */
  private async rebuild(): Promise<void> {
    this.rebuilding = true;
    this.reason = 'rebuilding rule state';
    const topics = this.o.topics.map(({ topic }) => ({ topic }));
    this.consumer.pause(topics);
    try {
      this.seal();
      await this.flusher.settle();
      if (this.flusher.degraded) {
        this.needsRebuild = true; // the store is down: the flusher persists the batch, then rebuilds
        this.rebuilding = false;
        return;
      }
      const started = performance.now();
      const { engine, replayed } = await rebuildEngine(this.o.store, this.o.newEngine, this.assignment, this.clock());
      this.engine = engine;
      this.decoders.clear();
      this.pending = new PendingBatch(this.o.out);
      this.rules.baseline(engine.ruleStats);
      this.joined = true;
      this.o.metrics.rebuildSeconds.set((performance.now() - started) / 1000);
      this.o.metrics.rebuildCdrs.set(replayed);
      this.o.log.info({ assignment: this.assignment, replayed, ms: Math.round(performance.now() - started) }, 'rule state rebuilt');
      this.reason = 'ok';
    } catch (err) {
      this.o.log.error({ err }, 'rule state rebuild failed: retrying');
      this.rebuilding = false;
      this.retryTimer = setTimeout(() => void this.exclusive(() => this.rebuild()), this.o.retry?.initialMs ?? 500);
      return;
    }
    this.rebuilding = false;
    if (!this.flusher.degraded) this.consumer.resume(topics);
  }
}
