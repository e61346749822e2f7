/** 32-bit FNV-1a: sites remember callers and accounts by hash, a few bytes each instead of a string. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Callers or accounts a site remembers at most: a bigger site is big enough for every scaled threshold. */
export const MAX_MEMBERS = 2048;
/** A member counts towards the site's size once it has been seen for this long: a burst of new callers does not raise its own threshold. */
export const ESTABLISHED_AFTER_MS = 60_000;

/**
 * The members (callers, or accounts) seen behind one subject, by hash, with when each was first and last seen.
 * The distinct callers behind a NAT address show how big the site is within minutes of a cold start.
 */
export class Members {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  /**
   * First-seen times of the members first seen in the last RECENT_MS before the newest time seen, sorted: the
   * established count is exact whatever order the calls arrive in (a rebuild replays them in start order).
   */
  private recent: number[] = [];
  private newest = -Infinity;

  /** Counts `member` seen at `t`; true when it was never seen before (novelty). */
  see(member: number, t: number): boolean {
    if (t > this.newest) this.newest = t;
    const firstSeen = this.first.get(member);
    if (firstSeen === undefined) {
      if (this.first.size >= MAX_MEMBERS) return false; // full: unknown, never novel on every call
      this.first.set(member, t);
      this.last.set(member, t);
      this.addRecent(t);
      return true;
    }
    if (t < firstSeen) {
      this.first.set(member, t);
      const i = sortedIndex(this.recent, firstSeen);
      if (this.recent[i] === firstSeen) this.recent.splice(i, 1);
      this.addRecent(t);
    }
    if (t > (this.last.get(member) as number)) this.last.set(member, t);
    return false;
  }

  firstSeen(member: number): number | undefined {
    return this.first.get(member);
  }

  get size(): number {
    return this.first.size;
  }

  /** Members seen for at least ESTABLISHED_AFTER_MS at `t`. */
  established(t: number): number {
    const newer = this.recent.length - sortedIndex(this.recent, t - ESTABLISHED_AFTER_MS + 1);
    return this.first.size - newer;
  }

  /** Members first seen within the minute up to `t` (a restored site may know members first seen after `t`). */
  fresh(t: number): number {
    return sortedIndex(this.recent, t + 1) - sortedIndex(this.recent, t - ESTABLISHED_AFTER_MS + 1);
  }

  /** Forgets members last seen before `horizon`. */
  trim(horizon: number): void {
    for (const [m, t] of this.last) {
      if (t >= horizon) continue;
      this.last.delete(m);
      const first = this.first.get(m) as number;
      this.first.delete(m);
      const i = sortedIndex(this.recent, first);
      if (this.recent[i] === first) this.recent.splice(i, 1);
    }
  }

  toJSON(): [number, number, number][] {
    return [...this.first].map(([m, f]) => [m, f, this.last.get(m) as number]);
  }

  static from(rows: readonly (readonly [number, number, number])[]): Members {
    const m = new Members();
    for (const [member, first, last] of rows) {
      m.first.set(member, first);
      m.last.set(member, last);
      m.newest = Math.max(m.newest, last);
    }
    m.recent = [...m.first.values()].filter((f) => f >= m.newest - RECENT_MS).sort((a, b) => a - b);
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
