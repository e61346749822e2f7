import type { Logger } from 'pino';
import { HotlistIndex, type HotlistHolder } from '../domain/lists/hotlist.js';
import type { HotlistStore } from './ports.js';

/** How often every role probes the stored hotlists: an import on any replica is in effect everywhere within this. */
export const HOTLIST_REFRESH_MS = 2_000;

/**
 * Keeps a role's hotlist index current: every HOTLIST_REFRESH_MS one cheap probe (highest version, row count), and
 * a full load of the entries in effect only when it changed. Expiry needs no reload (judged at lookup). While the
 * store cannot be read the last index stays in effect.
 */
export class HotlistRefresher {
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: { store: HotlistStore; holder: HotlistHolder; clock: () => number; log?: Logger | undefined; everyMs?: number }) {}

  get holder(): HotlistHolder {
    return this.o.holder;
  }

  /** Loads when the stored entries changed (or always, `force`); true when the index was rebuilt. */
  load(force = false): Promise<boolean> {
    // one load at a time, in order: a reload asked for after a change always probes after that change
    const next = this.queue.then(
      () => this.loadOnce(force),
      () => this.loadOnce(force),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.load().catch((err: unknown) => this.o.log?.warn({ err }, 'hotlist reload failed; the last lists stay in effect'));
    }, this.o.everyMs ?? HOTLIST_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async loadOnce(force: boolean): Promise<boolean> {
    const stamp = await this.o.store.stamp();
    if (!force && stamp === this.stamp) return false;
    const entries = await this.o.store.active(this.o.clock());
    this.o.holder.index = new HotlistIndex(entries);
    this.stamp = stamp;
    this.o.log?.info({ entries: this.o.holder.index.size }, 'hotlists loaded');
    return true;
  }
}
