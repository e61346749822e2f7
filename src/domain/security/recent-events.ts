/**
 * Counts events per key inside a sliding window (EV03 login failures, EV14 permission denials). Pure: the
 * caller passes `now`. Memory is bounded: keys with nothing left in the window are forgotten on the next note.
 */
export class RecentEvents {
  private readonly times = new Map<string, number[]>();
  private notes = 0;

  constructor(private readonly windowMs: number) {}

  /** Records one event for `key` and answers how many fall inside the window ending at `now`. */
  note(key: string, now: number): number {
    if (++this.notes % 1024 === 0) this.forgetIdle(now);
    const kept = (this.times.get(key) ?? []).filter((t) => t > now - this.windowMs);
    kept.push(now);
    this.times.set(key, kept);
    return kept.length;
  }

  count(key: string, now: number): number {
    return (this.times.get(key) ?? []).filter((t) => t > now - this.windowMs).length;
  }

  clear(key: string): void {
    this.times.delete(key);
  }

  private forgetIdle(now: number): void {
    for (const [key, list] of this.times) if ((list.at(-1) ?? 0) <= now - this.windowMs) this.times.delete(key);
  }
}

/** Subjects (users, IPs) barred until a time; lapsed bars are forgotten when read. */
export class TimedBars {
  private readonly until = new Map<string, number>();

  bar(key: string, until: number): void {
    this.until.set(key, Math.max(until, this.until.get(key) ?? 0));
  }

  barredUntil(key: string, now: number): number | undefined {
    const t = this.until.get(key);
    if (t === undefined) return undefined;
    if (t <= now) {
      this.until.delete(key);
      return undefined;
    }
    return t;
  }

  lift(key: string): void {
    this.until.delete(key);
  }
}
