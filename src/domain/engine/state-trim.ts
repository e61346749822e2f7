import type { MoneyBook } from '../cost/money-book.js';
import type { UsageBook } from '../usage/usage-book.js';
import type { CallDedup } from './dedup.js';
import type { Detector } from './detectors/detector.js';
import type { EpisodeBook } from './episodes.js';
import type { RangeMarks } from './range-marks.js';
import type { TenantStreams } from './tenant-streams.js';
import type { LogTables } from './windows/log-table.js';

/**
 * Windows are trimmed once the watermark has advanced this much and enough CDRs arrived since the last trim to
 * pay for scanning the keys (as many as there are keys), so trimming costs one key visit per CDR amortised.
 */
const TRIM_EVERY_MS = 30_000;
const TRIM_MIN_EVENTS = 4096;
/**
 * Window records the shared logs trim per counted event once a trim began: a trim of every key at once stalled the
 * API's event loop (block-check attempts) for 20-40 ms; 512 records are well under a millisecond.
 */
const TRIM_SLICE = 512;
/** Profiles are kept for a month: trimming them hourly is plenty. */
const USAGE_TRIM_EVERY_MS = 3_600_000;

/** The engine's state, trimmed as event time advances. */
export interface TrimmedState {
  readonly detectors: readonly Detector[];
  /** The detectors' shared window logs (trimmed here once for all their rules, not by each detector). */
  readonly logs: LogTables;
  readonly episodes: EpisodeBook;
  readonly dedup: CallDedup;
  readonly ranges: RangeMarks;
  readonly usage: UsageBook;
  readonly money: MoneyBook | undefined;
  readonly streams: TenantStreams;
  readonly lateness: number;
}

/** Forgets what every window, episode and profile no longer needs, paced by event time and CDR count. */
export class StateTrimmer {
  private trimmedAt = -Infinity;
  private usageTrimmedAt = -Infinity;
  private eventsSinceTrim = 0;
  private keysAtTrim = 0;

  constructor(private readonly state: TrimmedState) {}

  /** Called once per counted CDR. */
  tick(): void {
    const { detectors, logs, episodes, dedup, ranges, usage, money, streams, lateness } = this.state;
    const watermark = streams.watermark;
    this.eventsSinceTrim++;
    logs.trimSome(TRIM_SLICE);
    if (watermark - this.trimmedAt < TRIM_EVERY_MS) return;
    if (this.eventsSinceTrim < Math.max(TRIM_MIN_EVENTS, this.keysAtTrim)) return;
    this.trimmedAt = watermark;
    this.eventsSinceTrim = 0;
    const horizonOf = (key: string) => streams.ofKey(key) - lateness;
    // no tenant's watermark is past the newest event time seen: no key's horizon is later than `latest`
    const latest = watermark - lateness;
    // the shared window logs a slice per event from now on (their key counts below are read before that)
    logs.beginTrim(Object.assign((key: string) => horizonOf(key), { latest }));
    let keys = episodes.size;
    for (const d of detectors) {
      const window = d.rule.windowMs;
      d.trim(Object.assign((key: string) => horizonOf(key) - window, { latest: latest - window }));
      keys += d.keyCount;
    }
    episodes.trim(horizonOf);
    dedup.trim((tenant) => streams.ofTenant(tenant) - lateness);
    ranges.trim((tenant) => streams.ofTenant(tenant));
    if (watermark - this.usageTrimmedAt >= USAGE_TRIM_EVERY_MS) {
      this.usageTrimmedAt = watermark;
      usage.trim(horizonOf);
      money?.trim(horizonOf);
    }
    this.keysAtTrim = keys + dedup.size;
  }
}
