import type { Logger } from 'pino';
import type { Engine } from '../domain/engine/engine.js';
import type { UsageSnapshot } from '../domain/usage/usage-snapshot.js';
import { retry, type Backoff } from '../retry.js';
import type { CdrStore } from './ports.js';

/** How often a running pipeline saves the learned usage profiles, in processing time (the pipeline's clock). */
export const USAGE_SAVE_EVERY_MS = 5 * 60_000;
/** Tries per save, the first included; a save failing them all is logged and tried again at the next interval. */
const ATTEMPTS = 3;

export interface UsageSaverOptions {
  readonly store: Pick<CdrStore, 'saveUsage'>;
  readonly log: Logger;
  readonly backoff: Backoff;
  /** The pipeline's clock (epoch ms). */
  readonly now: () => number;
  readonly everyMs?: number;
}

/**
 * Keeps the learned usage profiles (G3) of a pipeline with a store in ClickHouse (README "State that survives
 * restarts and rebalances"): every USAGE_SAVE_EVERY_MS after an acknowledged batch, in the background, and when the
 * pipeline rebuilds or stops. A snapshot is taken synchronously (it reads the engine) and written asynchronously;
 * a failed save is logged, never thrown: ingest goes on, and the CDR replay of a rebuild covers what it missed.
 */
export class UsageSaver {
  private savedAt: number | undefined;
  private writing: Promise<void> | undefined;

  constructor(private readonly o: UsageSaverOptions) {}

  /** After an acknowledged batch: when the interval has passed, snapshots `engine` now and writes without waiting. */
  due(engine: Engine): void {
    const now = this.o.now();
    this.savedAt ??= now;
    if (this.writing || now - this.savedAt < (this.o.everyMs ?? USAGE_SAVE_EVERY_MS)) return;
    this.savedAt = now;
    const snapshots = engine.usageSnapshots();
    this.writing = this.write(snapshots, 'interval').finally(() => (this.writing = undefined));
  }

  /**
   * Saves `engine`'s profiles now and waits (before a rebuild swaps the engine, and on a clean stop), after a save
   * in flight: saves never overlap, so the newer one lands last. The interval starts again.
   */
  async saveNow(engine: Engine, why: 'rebuild' | 'stop'): Promise<void> {
    await this.writing;
    this.savedAt = this.o.now();
    await this.write(engine.usageSnapshots(), why);
  }

  private async write(all: readonly UsageSnapshot[], why: string): Promise<void> {
    const snapshots = all.filter((s) => s.ips.length + s.accounts.length + s.callers.length + s.levels.length > 0);
    if (snapshots.length === 0) return;
    const { log } = this.o;
    try {
      await retry(() => this.o.store.saveUsage(snapshots), {
        backoff: this.o.backoff,
        attempts: ATTEMPTS,
        onRetry: (err, attempt) => log.warn({ err, attempt, why }, 'saving usage profiles failed: retrying'),
      });
      log.debug({ tenants: snapshots.length, why }, 'usage profiles saved');
    } catch (err) {
      log.error({ err, why, tenants: snapshots.length }, 'saving usage profiles failed: tried again at the next interval');
    }
  }
}
