import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import type { PushFailure } from '../api/ports.js';
import type { Block } from '../domain/blocks/block.js';
import { retry } from '../retry.js';
import type { PushTarget } from './targets.js';

export interface PusherOptions {
  readonly targets: readonly PushTarget[];
  readonly maxAttempts: number;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly deadLetter: (failure: PushFailure) => Promise<void>;
  readonly log: Logger;
  readonly clock?: () => number;
}

/**
 * Pushes block changes to the PBX side, in order: each target is retried with exponential backoff, and a change
 * that fails `maxAttempts` times is dead-lettered (ClickHouse push_dead_letters) and logged, never dropped
 * silently. Lifts queue behind their block, so an unblock never overtakes the block it ends.
 */
export class Pusher {
  /** One change at a time, in arrival order. */
  private readonly order = new Mutex();
  readonly counts = { delivered: 0, retried: 0, deadLettered: 0 };

  constructor(private readonly o: PusherOptions) {}

  get enabled(): boolean {
    return this.o.targets.length > 0;
  }

  /** Queues a change; resolves when it was delivered or dead-lettered. `alive` keeps a consumer's session up. */
  push(record: Block, alive?: () => Promise<void>): Promise<void> {
    return this.order.runExclusive(() => this.deliverAll(record, alive));
  }

  private async deliverAll(record: Block, alive?: () => Promise<void>): Promise<void> {
    const clock = this.o.clock ?? Date.now;
    for (const target of this.o.targets) {
      let sessionLost: Error | undefined;
      try {
        await retry(() => target.deliver(record, clock()), {
          attempts: this.o.maxAttempts,
          backoff: this.o.backoff ?? { initialMs: 500, maxMs: 60_000 },
          onRetry: async (err, attempt) => {
            this.counts.retried++;
            this.o.log.warn({ target: target.name, blockId: record.id, attempt, err }, 'push failed; retrying');
            try {
              await alive?.();
            } catch (lost) {
              sessionLost = lost instanceof Error ? lost : new Error(String(lost)); // the group rebalanced: the next owner pushes this change again
              throw sessionLost;
            }
          },
        });
        this.counts.delivered++;
      } catch (err) {
        if (sessionLost !== undefined) throw sessionLost;
        const lastError = (err as Error).message;
        this.counts.deadLettered++;
        this.o.log.error({ target: target.name, blockId: record.id, attempts: this.o.maxAttempts, error: lastError }, 'push dead-lettered');
        await this.o.deadLetter({
          target: target.name,
          blockId: record.id,
          state: record.state,
          payload: target.payload(record),
          attempts: this.o.maxAttempts,
          lastError,
        });
      }
    }
  }
}
