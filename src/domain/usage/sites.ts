import { asHash30 } from '../hash.js';
/** Callers or accounts a site remembers at most: a bigger site is big enough for every scaled threshold. */
export const MAX_MEMBERS = 2048;
/** A member counts towards the site's size once it has been seen for this long: a burst of new callers does not raise its own threshold. */
export const ESTABLISHED_AFTER_MS = 60_000;
/** Callers that make a site rather than one intruder or one test call (a site opening, an account's first site). */
export const FIRST_SITE_CALLERS = 3;

/**
 * The members (callers, or accounts) seen behind one subject, by hash, with when each was first and last seen.
 * The distinct callers behind a NAT address show how big the site is within minutes of a cold start.
 */
export class Members {
  /** Member hash per slot; `times` holds each slot's first and last seen, unboxed (no allocation per call). */
  private members: number[] = [];
  private times: number[] = [];
  /** member → slot, once the site outgrows a scan: most sites are a few callers, found faster by `indexOf`. */
  private index: Map<number, number> | undefined;
  /**
   * First-seen times of the members first seen in the last RECENT_MS before the newest time seen, sorted: the
   * established count is exact whatever order the calls arrive in (a rebuild replays them in start order).
   */
  private recent: number[] = [];
  private newest = -Infinity;

  /** Counts `member` seen at `t`; true when it was never seen before (novelty). */
  see(member: number, t: number): boolean {
    if (t > this.newest) this.newest = t;
    const slot = this.slotOf(member);
    if (slot === undefined) {
      if (this.members.length >= MAX_MEMBERS) return false; // full: unknown, never novel on every call
      this.add(member, t, t);
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
    const slot = this.slotOf(member);
    return slot === undefined ? undefined : this.times[2 * slot];
  }

  get size(): number {
    return this.members.length;
  }

  /** Members seen for at least ESTABLISHED_AFTER_MS at `t`. */
  established(t: number): number {
    const newer = this.recent.length - sortedIndex(this.recent, t - ESTABLISHED_AFTER_MS + 1);
    return this.members.length - newer;
  }

  /**
   * Members first seen at or before `t`, counted up to `enough` (a site restored or rebuilt may already know
   * members first seen after `t`: judging a call must not read them).
   */
  seenBy(t: number, enough: number): number {
    let n = 0;
    for (let i = 0; i < this.times.length && n < enough; i += 2) if ((this.times[i] as number) <= t) n++;
    return n;
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
    const { members, times } = this;
    this.members = [];
    this.times = [];
    this.index = undefined;
    for (let slot = 0; slot < members.length; slot++) {
      const first = times[2 * slot] as number;
      const last = times[2 * slot + 1] as number;
      if (last >= horizon) {
        this.add(members[slot] as number, first, last);
        continue;
      }
      const i = sortedIndex(this.recent, first);
      if (this.recent[i] === first) this.recent.splice(i, 1);
    }
  }

  toJSON(): [number, number, number][] {
    return this.members.map((m, slot) => [m, this.times[2 * slot] as number, this.times[2 * slot + 1] as number]);
  }

  static from(rows: readonly (readonly [number, number, number])[]): Members {
    const m = new Members();
    for (const [member, first, last] of rows) {
      const hash = asHash30(member);
      if (m.slotOf(hash) !== undefined) continue;
      m.add(hash, first, last);
      m.newest = Math.max(m.newest, last);
    }
    m.recent = m.times.filter((f, i) => i % 2 === 0 && f >= m.newest - RECENT_MS).sort((a, b) => a - b);
    return m;
  }

  private slotOf(member: number): number | undefined {
    if (this.index) return this.index.get(member);
    const slot = this.members.indexOf(member);
    return slot < 0 ? undefined : slot;
  }

  private add(member: number, first: number, last: number): void {
    const slot = this.members.length;
    this.members.push(member);
    this.times.push(first, last);
    if (this.index) this.index.set(member, slot);
    else if (slot >= SCAN_MAX) this.index = new Map(this.members.map((m, i) => [m, i]));
  }

  private addRecent(t: number): void {
    if (t < this.newest - RECENT_MS) return;
    this.recent.splice(sortedIndex(this.recent, t), 0, t);
    // members first seen long before the newest call are established for every call still counted
    if ((this.recent[0] as number) < this.newest - RECENT_MS) this.recent = this.recent.filter((f) => f >= this.newest - RECENT_MS);
  }
}

/** Members found by scanning up to this many (a packed array of small integers); beyond, by a map. */
const SCAN_MAX = 32;

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
