import { SentinelaError, toSentinelaError } from '../errors.js';
import { retry, type Backoff } from '../retry.js';
import type { PendingBatch } from './batch.js';
import type { BatchSink } from './ports.js';

/** A leading sink marked by `ahead`. */
type AheadSink = BatchSink & { readonly ahead?: true };

/**
 * Marks a leading sink that takes each batch as soon as it is sealed, in seal order, while the batches before it
 * still go through the later sinks: a block reaches the Kafka topics without waiting for the inserts of the batch
 * before it. Only for writes a crash may repeat harmlessly (ids); a batch reaches the later sinks only after it.
 */
export function ahead(sink: BatchSink): BatchSink {
  return Object.assign((batch: PendingBatch) => sink(batch), { ahead: true as const });
}

export interface FlusherHooks {
  /** Where a sealed batch goes, in this order (e.g. Kafka topics, then ClickHouse); leading ones may be `ahead`. */
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
  /** The leading `ahead` sinks, and the sinks after them. */
  private readonly leading: readonly BatchSink[];
  private readonly rest: readonly BatchSink[];
  /** Per sealed batch: resolves true once it went through the leading sinks (false: the run loop sends it, in order). */
  private readonly early = new Map<PendingBatch, Promise<boolean>>();

  constructor(private readonly hooks: FlusherHooks) {
    const n = hooks.sinks.findIndex((sink) => !(sink as AheadSink).ahead);
    this.leading = hooks.sinks.slice(0, n < 0 ? hooks.sinks.length : n);
    this.rest = hooks.sinks.slice(this.leading.length);
  }

  /** Batches sealed and not yet persisted. */
  get depth(): number {
    return this.queue.length;
  }

  get degraded(): boolean {
    return this.failing;
  }

  seal(batch: PendingBatch): void {
    if (this.abort.signal.aborted) return batch.finish(new SentinelaError('INGEST_UNAVAILABLE', 'the pipeline is stopping'));
    if (this.leading.length > 0 && !this.failing) {
      // after the batch before it went through the leading sinks; never past one that did not (order per key)
      const before = this.queue.at(-1);
      const previous = before === undefined ? Promise.resolve(true) : (this.early.get(before) ?? Promise.resolve(false));
      this.early.set(
        batch,
        previous.then(
          (ok) =>
            ok &&
            this.through(this.leading, batch).then(
              () => true,
              () => false,
            ),
        ),
      );
    }
    this.queue.push(batch);
    if (this.working) return;
    this.working = true;
    void this.run();
  }

  /** Resolves once every sealed batch is persisted and acknowledged, or as soon as the store fails (degraded). */
  async settle(): Promise<void> {
    while (this.working && !this.failing) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once fewer than `max` batches are sealed and not yet persisted, or as soon as the store fails (degraded). */
  async room(max: number): Promise<void> {
    while (this.queue.length >= max && this.working && !this.failing) await new Promise<void>((resolve) => this.waiters.push(resolve));
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
          this.early.clear();
          for (const abandoned of this.queue.splice(0)) abandoned.finish(toSentinelaError(err, 'INGEST_UNAVAILABLE'));
          return;
        }
        this.queue.shift();
        this.early.delete(batch);
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

  /** A retry resumes after the leading sinks once they took the batch: never re-sent behind a later batch. */
  private async persist(batch: PendingBatch): Promise<void> {
    if (batch.blank) return;
    if (!(await this.early.get(batch))) {
      await this.through(this.leading, batch);
      this.early.set(batch, Promise.resolve(true));
    }
    await this.through(this.rest, batch);
  }

  private async through(sinks: readonly BatchSink[], batch: PendingBatch): Promise<void> {
    if (batch.blank) return;
    for (const sink of sinks) await sink(batch);
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
