import { SentinelaError, toSentinelaError } from '../errors.js';
import { retry, type Backoff } from '../retry.js';
import type { PendingBatch } from './batch.js';
import type { BatchSink } from './ports.js';

export interface FlusherHooks {
  /** Where a sealed batch goes, in this order (e.g. Kafka topics, then ClickHouse). */
  readonly sinks: readonly BatchSink[];
  /** Acknowledges a persisted batch to its source (commits offsets); called in batch order. */
  readonly ack?: (batch: PendingBatch) => Promise<void>;
  /** The head batch failed: the source stops taking work until `recovered`. */
  readonly failed?: (error: SentinelaError) => void;
  readonly recovered?: () => void;
  /** A batch went through every sink, in `ms` (retries included). */
  readonly persisted?: (batch: PendingBatch, ms: number) => void;
  readonly backoff: Backoff;
}

/**
 * Persists sealed batches in order, one at a time, while the source goes on filling the next one: consumption
 * and inserts overlap instead of taking turns. A failed batch stays at the head and is retried with backoff;
 * nothing behind it is acknowledged before it is (offsets are cumulative per partition).
 */
export class Flusher {
  private readonly queue: PendingBatch[] = [];
  /** True while `run` works the queue; cleared synchronously as it ends, so a batch sealed from a `done` callback starts a new run. */
  private working = false;
  private failing = false;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];

  constructor(private readonly hooks: FlusherHooks) {}

  /** Batches sealed and not yet persisted. */
  get depth(): number {
    return this.queue.length;
  }

  get degraded(): boolean {
    return this.failing;
  }

  seal(batch: PendingBatch): void {
    if (this.abort.signal.aborted) return batch.finish(new SentinelaError('INGEST_UNAVAILABLE', 'the pipeline is stopping'));
    this.queue.push(batch);
    if (this.working) return;
    this.working = true;
    void this.run();
  }

  /** Resolves once every sealed batch is persisted and acknowledged, or as soon as the store fails (degraded). */
  async settle(): Promise<void> {
    while (this.working && !this.failing) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once every sealed batch is persisted and acknowledged, retrying meanwhile (a shutdown's last chance). */
  async drained(): Promise<void> {
    while (this.working) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Stops retrying: batches not persisted yet are abandoned unacknowledged (a Kafka source re-delivers them). */
  stop(): void {
    this.abort.abort(new SentinelaError('INGEST_UNAVAILABLE', 'stopped before the batch was persisted'));
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue[0] as PendingBatch;
        const started = performance.now();
        try {
          await retry(() => this.persist(batch), { backoff: this.hooks.backoff, signal: this.abort.signal, onRetry: (err) => this.fail(err) });
        } catch (err) {
          for (const abandoned of this.queue.splice(0)) abandoned.finish(toSentinelaError(err, 'INGEST_UNAVAILABLE'));
          return;
        }
        this.queue.shift();
        this.hooks.persisted?.(batch, performance.now() - started);
        if (this.failing) {
          this.failing = false;
          this.hooks.recovered?.();
        }
        try {
          await this.hooks.ack?.(batch);
        } finally {
          batch.finish();
        }
        this.wakeWaiters();
      }
    } finally {
      this.working = false;
      this.wakeWaiters();
    }
  }

  private async persist(batch: PendingBatch): Promise<void> {
    if (batch.blank) return;
    for (const sink of this.hooks.sinks) await sink(batch);
  }

  private fail(err: Error): void {
    const first = !this.failing;
    this.failing = true;
    if (first) this.wakeWaiters();
    this.hooks.failed?.(toSentinelaError(err, 'STORE_UNAVAILABLE'));
  }

  private wakeWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
