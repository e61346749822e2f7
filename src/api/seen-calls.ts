/**
 * SIP retransmits an unanswered INVITE (every 500 ms, up to Timer B = 64 × T1 = 32 s), and a PBX that asks
 * block-check per INVITE it sees asks again for each copy. Remembering the calls asked about recently lets a
 * retransmission be answered without counting as a new call attempt. Bounded: the oldest entries go first.
 */
export const RETRANSMISSION_WINDOW_MS = 32_000;

export class SeenCalls {
  /** Insertion order is time order (`now` only grows on one server), so the oldest entry is always first. */
  private readonly firstSeen = new Map<string, number>();

  constructor(
    private readonly windowMs = RETRANSMISSION_WINDOW_MS,
    private readonly maxEntries = 50_000,
  ) {}

  /** True when the same call was asked about within the window; otherwise remembers it and answers false. */
  repeat(key: string, now: number): boolean {
    this.expire(now);
    const at = this.firstSeen.get(key);
    if (at !== undefined && now - at < this.windowMs) return true;
    if (at !== undefined) this.firstSeen.delete(key);
    this.firstSeen.set(key, now);
    if (this.firstSeen.size > this.maxEntries) this.firstSeen.delete(this.firstSeen.keys().next().value as string);
    return false;
  }

  get size(): number {
    return this.firstSeen.size;
  }

  private expire(now: number): void {
    for (const [key, at] of this.firstSeen) {
      if (now - at < this.windowMs) return;
      this.firstSeen.delete(key);
    }
  }
}
