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
