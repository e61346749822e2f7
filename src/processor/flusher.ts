import { toSentinelaError, type SentinelaError } from '../errors.js';
import type { PendingBatch } from './batch.js';

export interface FlusherHooks {
  /** Kafka messages, then ClickHouse verdicts and rejects, then CDRs (see Processor). Throws on failure. */
  readonly persist: (batch: PendingBatch) => Promise<void>;
  /** Commits the batch's offsets; only ever called after persist succeeded, in batch order. */
  readonly commit: (batch: PendingBatch) => Promise<void>;
  readonly failed: (error: SentinelaError) => void;
  readonly recovered: () => void;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
}

/**
 * Persists sealed batches in order, one at a time, while the consumer goes on filling the next one: consumption
 * and ClickHouse inserts overlap instead of taking turns. A failed batch stays at the head and is retried with
 * exponential backoff; nothing behind it commits before it does (offsets are cumulative per partition).
 */
export class Flusher {
  private readonly queue: PendingBatch[] = [];
  private worker: Promise<void> | undefined;
  private failing = false;
  private stopped = false;
  private wake: (() => void) | undefined;
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
    if (batch.size === 0 && batch.positions.size === 0) return;
    this.queue.push(batch);
    this.worker ??= this.run().finally(() => (this.worker = undefined));
  }

  /** Resolves once every sealed batch is persisted and committed, or as soon as the store fails (degraded). */
  async settle(): Promise<void> {
    while (this.worker && !this.failing) await Promise.race([this.worker, new Promise<void>((resolve) => this.waiters.push(resolve))]);
  }

  /** Stops retrying: a pending failed batch is abandoned uncommitted (Kafka re-delivers it). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let backoff = this.hooks.retry.initialMs;
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue[0] as PendingBatch;
      try {
        await this.hooks.persist(batch);
      } catch (err) {
        this.failing = true;
        this.hooks.failed(toSentinelaError(err, 'STORE_UNAVAILABLE'));
        for (const waiter of this.waiters.splice(0)) waiter();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        backoff = Math.min(backoff * 2, this.hooks.retry.maxMs);
        continue;
      }
      this.queue.shift();
      if (this.failing) {
        this.failing = false;
        backoff = this.hooks.retry.initialMs;
        this.hooks.recovered();
      }
      await this.hooks.commit(batch);
    }
  }
}
