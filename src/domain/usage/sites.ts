import { asHash30 } from '../hash.js';
/** Callers or accounts a site remembers at most: a bigger site is big enough for every scaled threshold. */
export const MAX_MEMBERS = 2048;
/** A member counts towards the site's size once it has been seen for this long: a burst of new callers does not raise its own threshold. */
export const ESTABLISHED_AFTER_MS = 60_000;

/**
 * The members (callers, or accounts) seen behind one subject, by hash, with when each was first and last seen.
 * The distinct callers behind a NAT address show how big the site is within minutes of a cold start.
 */
export class Members {
  /** member → slot; `times` holds each slot's first and last seen, unboxed (no allocation per call). */
  private readonly slots = new Map<number, number>();
  private times: number[] = [];
  /**
   * First-seen times of the members first seen in the last RECENT_MS before the newest time seen, sorted: the
   * established count is exact whatever order the calls arrive in (a rebuild replays them in start order).
   */
  private recent: number[] = [];
  private newest = -Infinity;

  /** Counts `member` seen at `t`; true when it was never seen before (novelty). */
  see(member: number, t: number): boolean {
    if (t > this.newest) this.newest = t;
    const slot = this.slots.get(member);
    if (slot === undefined) {
      if (this.slots.size >= MAX_MEMBERS) return false; // full: unknown, never novel on every call
      this.slots.set(member, this.times.length >> 1);
      this.times.push(t, t);
      this.addRecent(t);
      return true;
    }
    const firstSeen = this.times[2 * slot] as number;
    if (t < firstSeen) {
      this.times[2 * slot] = t;
      const i = sortedIndex(this.recent, firstSeen);
      if (this.recent[i] === firstSeen) this.recent.splice(i, 1);
      this.addRecent(t);
    }
    if (t > (this.times[2 * slot + 1] as number)) this.times[2 * slot + 1] = t;
    return false;
  }

  firstSeen(member: number): number | undefined {
    const slot = this.slots.get(member);
    return slot === undefined ? undefined : this.times[2 * slot];
  }

  get size(): number {
    return this.slots.size;
  }

  /** Members seen for at least ESTABLISHED_AFTER_MS at `t`. */
  established(t: number): number {
    const newer = this.recent.length - sortedIndex(this.recent, t - ESTABLISHED_AFTER_MS + 1);
    return this.slots.size - newer;
  }

  /** Members first seen within the minute up to `t` (a restored site may know members first seen after `t`). */
  fresh(t: number): number {
    return sortedIndex(this.recent, t + 1) - sortedIndex(this.recent, t - ESTABLISHED_AFTER_MS + 1);
  }

  /** Forgets members last seen before `horizon` (the slots are compacted). */
  trim(horizon: number): void {
    let stale = false;
    for (let i = 1; i < this.times.length && !stale; i += 2) stale = (this.times[i] as number) < horizon;
    if (!stale) return;
    const times: number[] = [];
    for (const [member, slot] of this.slots) {
      const first = this.times[2 * slot] as number;
      const last = this.times[2 * slot + 1] as number;
      if (last >= horizon) {
        this.slots.set(member, times.length >> 1);
        times.push(first, last);
        continue;
      }
      this.slots.delete(member);
      const i = sortedIndex(this.recent, first);
      if (this.recent[i] === first) this.recent.splice(i, 1);
    }
    this.times = times;
  }

  toJSON(): [number, number, number][] {
    return [...this.slots].map(([m, slot]) => [m, this.times[2 * slot] as number, this.times[2 * slot + 1] as number]);
  }

  static from(rows: readonly (readonly [number, number, number])[]): Members {
    const m = new Members();
    for (const [member, first, last] of rows) {
      const hash = asHash30(member);
      if (m.slots.has(hash)) continue;
      m.slots.set(hash, m.times.length >> 1);
      m.times.push(first, last);
      m.newest = Math.max(m.newest, last);
    }
    m.recent = m.times.filter((f, i) => i % 2 === 0 && f >= m.newest - RECENT_MS).sort((a, b) => a - b);
    return m;
  }

  private addRecent(t: number): void {
    if (t < this.newest - RECENT_MS) return;
    this.recent.splice(sortedIndex(this.recent, t), 0, t);
    // members first seen long before the newest call are established for every call still counted
    if ((this.recent[0] as number) < this.newest - RECENT_MS) this.recent = this.recent.filter((f) => f >= this.newest - RECENT_MS);
  }
}

/** How far back first-seen times are kept sorted: beyond the allowed lateness of any CDR still counted. */
const RECENT_MS = 24 * 3_600_000;

/** The first index whose value is >= `value` in an ascending array. */
function sortedIndex(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
