import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { PushFailure } from '../api/ports.js';
import type { Block } from '../domain/blocks/block.js';
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
  private tail: Promise<void> = Promise.resolve();
  readonly counts = { delivered: 0, retried: 0, deadLettered: 0 };

  constructor(private readonly o: PusherOptions) {}

  get enabled(): boolean {
    return this.o.targets.length > 0;
  }

  /** Queues a change; resolves when it was delivered or dead-lettered. `alive` keeps a consumer's session up. */
  push(record: Block, alive?: () => Promise<void>): Promise<void> {
    const run = this.tail.then(() => this.deliverAll(record, alive));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async deliverAll(record: Block, alive?: () => Promise<void>): Promise<void> {
    const clock = this.o.clock ?? Date.now;
    const { initialMs, maxMs } = this.o.backoff ?? { initialMs: 500, maxMs: 60_000 };
    for (const target of this.o.targets) {
      let lastError = '';
      let attempt = 1;
      for (; attempt <= this.o.maxAttempts; attempt++) {
        try {
          await target.deliver(record, clock());
          this.counts.delivered++;
          lastError = '';
          break;
        } catch (err) {
          lastError = (err as Error).message;
          if (attempt === this.o.maxAttempts) break;
          this.counts.retried++;
          this.o.log.warn({ target: target.name, blockId: record.id, attempt, err }, 'push failed; retrying');
          await sleep(Math.min(maxMs, initialMs * 2 ** (attempt - 1)));
          await alive?.();
        }
      }
      if (lastError === '') continue;
      this.counts.deadLettered++;
      this.o.log.error({ target: target.name, blockId: record.id, attempts: this.o.maxAttempts, error: lastError }, 'push dead-lettered');
      await this.o.deadLetter({ target: target.name, blockId: record.id, state: record.state, payload: target.payload(record), attempts: this.o.maxAttempts, lastError });
    }
  }
}
