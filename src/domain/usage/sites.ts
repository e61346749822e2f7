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
  /** First-seen times of the newest members, oldest first, while not yet established. */
  private recent: number[] = [];

  /** Counts `member` seen at `t`; true when it was never seen before (novelty). */
  see(member: number, t: number): boolean {
    const firstSeen = this.first.get(member);
    if (firstSeen === undefined) {
      if (this.first.size >= MAX_MEMBERS) return true;
      this.first.set(member, t);
      this.last.set(member, t);
      this.recent.push(t);
      return true;
    }
    if (t < firstSeen) this.first.set(member, t);
    if (t > (this.last.get(member) as number)) this.last.set(member, t);
    return false;
  }

  has(member: number): boolean {
    return this.first.has(member);
  }

  firstSeen(member: number): number | undefined {
    return this.first.get(member);
  }

  get size(): number {
    return this.first.size;
  }

  /** Members seen for at least ESTABLISHED_AFTER_MS at `t`. */
  established(t: number): number {
    let drop = 0;
    while (drop < this.recent.length && (this.recent[drop] as number) <= t - ESTABLISHED_AFTER_MS) drop++;
    if (drop > 0) this.recent = this.recent.slice(drop);
    return this.first.size - this.recent.length;
  }

  /** Forgets members last seen before `horizon`. */
  trim(horizon: number): void {
    for (const [m, t] of this.last) {
      if (t >= horizon) continue;
      this.last.delete(m);
      this.first.delete(m);
    }
    this.recent = this.recent.filter((t) => t >= horizon);
  }

  toJSON(): [number, number, number][] {
    return [...this.first].map(([m, f]) => [m, f, this.last.get(m) as number]);
  }

  static from(rows: readonly (readonly [number, number, number])[]): Members {
    const m = new Members();
    let newest = -Infinity;
    for (const [member, first, last] of rows) {
      m.first.set(member, first);
      m.last.set(member, last);
      newest = Math.max(newest, last);
    }
    m.recent = [...m.first.values()].filter((f) => f > newest - ESTABLISHED_AFTER_MS).sort((a, b) => a - b);
    return m;
  }
}
