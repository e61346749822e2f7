import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { FormatSpec } from '../../domain/cdr/formats/registry.js';
import type { PendingBatch } from '../../pipeline/batch.js';
import type { PipelineHealth } from '../../pipeline/lifecycle.js';
import type { PipelineMetrics } from '../../pipeline/metrics.js';
import { Pipeline, type PipelineParts, type StreamRef } from '../../pipeline/pipeline.js';
import { retry } from '../../retry.js';

export interface KafkaCdrSourceOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  /** CDR topics and the format of each. */
  readonly topics: readonly { readonly topic: string; readonly format: FormatSpec }[];
  readonly batch: { readonly maxRows: number; readonly maxWaitMs: number };
  readonly pipeline: PipelineParts & { readonly metrics: PipelineMetrics };
  readonly log: Logger;
  /** kafkajs group timings; tests shorten them. */
  readonly consumer?: {
    readonly sessionTimeout?: number;
    readonly heartbeatInterval?: number;
    readonly rebalanceTimeout?: number;
    readonly maxWaitTimeInMs?: number;
  };
}

const CANONICAL: FormatSpec = { name: 'canonical', options: {} };
/** Joining again after a crash kafkajs gives up on: at once, then backing off while joins keep failing. */
const REJOIN_BACKOFF = { initialMs: 1_000, maxMs: 30_000 };

/**
 * The stream processor's source: a consumer-group member feeding the pipeline. Offsets are committed only after
 * the pipeline persisted a batch (README "Delivery"); rule state is rebuilt from ClickHouse on every partition
 * assignment (README "State"). The consumer is paused whenever the pipeline is not running.
 */
export class KafkaCdrSource {
  readonly pipeline: Pipeline;
  private readonly consumer: Consumer;
  private readonly formats: ReadonlyMap<string, FormatSpec>;
  private assignment: Readonly<Record<string, number[]>> = {};
  private timer: NodeJS.Timeout | undefined;
  /** Monotonic time of the last seal (a record after a longer quiet spell is sealed at once). */
  private sealedAt = -Infinity;
  private readonly stopped = new AbortController();

  constructor(private readonly o: KafkaCdrSourceOptions) {
    this.formats = new Map(o.topics.map((t) => [t.topic, t.format]));
    const c = o.consumer ?? {};
    this.consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: c.sessionTimeout ?? 30_000,
      heartbeatInterval: c.heartbeatInterval ?? 3_000,
      rebalanceTimeout: c.rebalanceTimeout ?? 60_000,
      maxWaitTimeInMs: c.maxWaitTimeInMs ?? 500,
      allowAutoTopicCreation: false,
    });
    const topics = o.topics.map(({ topic }) => ({ topic }));
    this.pipeline = new Pipeline(o.pipeline, {
      ack: (batch) => this.commit(batch),
      changed: (state) => {
        try {
          if (state.name === 'running') this.consumer.resume(topics);
          else this.consumer.pause(topics);
        } catch (err) {
          o.log.debug({ err }, 'consumer not running: nothing to pause or resume');
        }
      },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.assignment = e.payload.memberAssignment;
      void this.pipeline.rebuild(this.assignment);
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      o.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      // kafkajs gives up after an error it deems non-retriable (an INVALID_REQUEST from a broker, say), leaving a
      // live process that consumes nothing: join again, as a restarted process would
      if (!e.payload.restart) this.rejoinLater();
    });
  }

  /** Partitions this member owns since the last rebalance. */
  get assignedPartitions(): number {
    return Object.values(this.assignment).reduce((n, ps) => n + ps.length, 0);
  }

  health(): PipelineHealth {
    return this.pipeline.state.name === 'starting' ? { ready: false, degraded: false, reason: 'not joined yet' } : this.pipeline.health();
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    for (const { topic } of this.o.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.run();
    const tick = () => this.pipeline.mutex.runExclusive(() => this.tick()).catch((err: unknown) => this.o.log.error({ err }, 'batch timer failed'));
    this.timer = setInterval(() => void tick(), Math.max(50, Math.floor(this.o.batch.maxWaitMs / 2)));
  }

  private async run(): Promise<void> {
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.pipeline.mutex.runExclusive(() => this.eachBatch(payload)),
    });
  }

  /** After a crash kafkajs does not recover from: connect and run again (subscriptions are kept), until stopped. */
  private rejoinLater(): void {
    if (this.stopped.signal.aborted) return;
    retry(() => this.consumer.connect().then(() => this.run()), {
      backoff: REJOIN_BACKOFF,
      signal: this.stopped.signal,
      onRetry: (err) => this.o.log.error({ err }, 'consumer could not join again: retrying'),
    })
      .then(() => this.o.log.warn('consumer joined again after a crash'))
      .catch(() => undefined); // only a stop ends the retries
  }

  /** Graceful stop: persist and commit what is pending (abandoned if the store is down: Kafka re-delivers it), leave the group. */
  async stop(): Promise<void> {
    this.stopped.abort();
    clearInterval(this.timer);
    await this.pipeline.stop();
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const pipeline = this.pipeline;
    if (!pipeline.running) return; // nothing resolved: these messages come again
    const stream: StreamRef = { kind: 'kafka', topic: batch.topic, partition: batch.partition };
    const decoder = pipeline.decoderFor(stream, this.formats.get(batch.topic) ?? CANONICAL);
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale() || !pipeline.running) break;
      pipeline.accept(stream, decoder, message.value ?? Buffer.alloc(0), message.key, Number(message.offset));
      payload.resolveOffset(message.offset);
      if (pipeline.pendingRecords >= this.o.batch.maxRows) {
        this.seal();
        // backpressure: at most one batch persisting and one sealed behind it; the next fills meanwhile
        await pipeline.settle(2);
        await payload.heartbeat();
      }
    }
    this.o.pipeline.metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    if (this.due()) this.seal();
  }

  /** Timer: flush a batch that waited long enough, and give up on correlations that never completed. */
  private async tick(): Promise<void> {
    if (!this.pipeline.running) return;
    this.pipeline.release('expired');
    if (this.due()) this.seal();
  }

  /**
   * Whether the open batch goes to the flusher now. A block is published at once; so is the first record after a
   * quiet spell. While a batch persists the open one grows instead (group commit, up to maxRows): it is sealed as
   * that batch is acknowledged, so inserts get larger as the load rises and the store keeps up with fewer parts.
   */
  private due(): boolean {
    const p = this.pipeline;
    const age = p.batchAgeMs;
    if (age < 0) return false;
    // a block goes at once, but never more than one batch behind the one persisting (backpressure under an attack)
    if (p.pendingBlock) return p.sealedBatches < 2;
    if (p.sealedBatches > 0) return false;
    return age >= this.o.batch.maxWaitMs || performance.now() - this.sealedAt >= this.o.batch.maxWaitMs;
  }

  private seal(): void {
    this.sealedAt = performance.now();
    this.pipeline.seal();
  }

  private async commit(batch: PendingBatch): Promise<void> {
    try {
      await this.consumer.commitOffsets(batch.commits());
    } catch (err) {
      // persisted already: a re-delivery is recognised as duplicates, so this costs work, not correctness
      this.o.log.warn({ err }, 'offset commit failed; the batch is persisted and will be recognised if re-delivered');
    }
    // the batch that grew while this one persisted goes next (a seal between two records is still whole records)
    if (this.pipeline.running && this.due()) this.seal();
  }
}
