import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Engine } from '../domain/engine/engine.js';
import type { UsageSnapshot } from '../domain/usage/usage-snapshot.js';
import { retry, type Backoff } from '../retry.js';
import type { CdrStore } from './ports.js';

/** How often a running pipeline saves the learned usage profiles, in processing time (the pipeline's clock). */
export const USAGE_SAVE_EVERY_MS = 5 * 60_000;
/** Tries per save, the first included; a save failing them all is logged and tried again at the next interval. */
const ATTEMPTS = 3;
/**
 * Subjects captured per turn of the event loop, and profile rows (subjects and levels) encoded and inserted per
 * write: a save of 100k subjects in one piece held the processor's loop for 0.7-1.3 s (issue 19).
 */
const CAPTURE_SLICE = 1_000;
const ROWS_PER_WRITE = 5_000;

export interface UsageSaverOptions {
  readonly store: Pick<CdrStore, 'saveUsage'>;
  readonly log: Logger;
  readonly backoff: Backoff;
  /** The pipeline's clock (epoch ms). */
  readonly now: () => number;
  readonly everyMs?: number;
  /** Profile rows per write (default ROWS_PER_WRITE). */
  readonly rowsPerWrite?: number;
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

  /**
   * After an acknowledged batch: when the interval has passed, snapshots `engine` as it is now, a slice per turn of
   * the event loop while ingest goes on (Engine.beginUsageSnapshot), and writes it, without waiting.
   */
  due(engine: Engine): void {
    const now = this.o.now();
    this.savedAt ??= now;
    if (this.writing || now - this.savedAt < (this.o.everyMs ?? USAGE_SAVE_EVERY_MS)) return;
    this.savedAt = now;
    const capture = engine.beginUsageSnapshot();
    const sliced = async () => {
      let snapshots: UsageSnapshot[] | undefined;
      while ((snapshots = capture.step(CAPTURE_SLICE)) === undefined) await nextTurn();
      await this.write(snapshots, 'interval');
    };
    this.writing = sliced().finally(() => (this.writing = undefined));
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

  /** Writes the tenants' snapshots in groups of about ROWS_PER_WRITE rows, a turn of the event loop apart. */
  private async write(all: readonly UsageSnapshot[], why: string): Promise<void> {
    const snapshots = all.filter((s) => rowsOf(s) > 0);
    if (snapshots.length === 0) return;
    const { log } = this.o;
    let from = 0;
    try {
      while (from < snapshots.length) {
        let to = from + 1;
        for (let rows = rowsOf(snapshots[from] as UsageSnapshot); to < snapshots.length && rows < (this.o.rowsPerWrite ?? ROWS_PER_WRITE); to++)
          rows += rowsOf(snapshots[to] as UsageSnapshot);
        const group = snapshots.slice(from, to);
        await retry(() => this.o.store.saveUsage(group), {
          backoff: this.o.backoff,
          attempts: ATTEMPTS,
          onRetry: (err, attempt) => log.warn({ err, attempt, why }, 'saving usage profiles failed: retrying'),
        });
        from = to;
        if (from < snapshots.length) await nextTurn();
      }
      log.debug({ tenants: snapshots.length, why }, 'usage profiles saved');
    } catch (err) {
      // the groups after a failed one are not tried: the store that refused it is most likely down for them too
      log.error({ err, why, tenants: snapshots.length, saved: from }, 'saving usage profiles failed: tried again at the next interval');
    }
  }
}

const rowsOf = (s: UsageSnapshot): number => s.ips.length + s.accounts.length + s.callers.length + s.levels.length;
