/** One counted event in a window: its time, weight, user name, source IP and id (evidence). */
export interface WindowEntry {
  readonly at: number;
  readonly weight: number;
  readonly user: string;
  readonly ip: string;
  /** The user is one of the site's own at this IP (KnownSites): its first failures are allowed. */
  readonly known: boolean;
  readonly id: string;
}

/** A user at one address: per IP for a user's window, per user for an IP's (a user is known at an address). */
const tallyKey = (e: WindowEntry) => `${e.user}\u0000${e.ip}`;

interface UserTally {
  count: number;
  weight: number;
  known: boolean;
}

/**
 * The sliding window of one rule and subject, with running sums per user so each event costs O(1) even under a
 * flood: `value` is the weighted count of events that count, `distinct` the users (at an address) that count. A known user's
 * first `allowance` events in the window do not count (its own phone with a stale password), only those beyond.
 */
export class EventWindow {
  private readonly entries: WindowEntry[] = [];
  private head = 0;
  private readonly users = new Map<string, UserTally>();
  value = 0;
  distinct = 0;

  constructor(
    private readonly windowMs: number,
    private readonly allowance: number,
  ) {}

  add(entry: WindowEntry): void {
    this.expire(entry.at);
    this.entries.push(entry);
    const key = tallyKey(entry);
    const t = this.users.get(key) ?? { count: 0, weight: 0, known: false };
    const before = this.contribution(t);
    t.count++;
    t.weight += entry.weight;
    t.known ||= entry.known;
    this.users.set(key, t);
    this.apply(before, this.contribution(t));
  }

  /** Drops events older than the window before `at` (event time). */
  expire(at: number): void {
    while (this.head < this.entries.length && (this.entries[this.head] as WindowEntry).at <= at - this.windowMs) {
      const e = this.entries[this.head++] as WindowEntry;
      const t = this.users.get(tallyKey(e)) as UserTally;
      const before = this.contribution(t);
      t.count--;
      t.weight -= e.weight;
      if (t.count === 0) this.users.delete(tallyKey(e));
      this.apply(before, this.contribution(t));
    }
    // compact once the dead head is most of the array: amortised O(1), no shift per event
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  get empty(): boolean {
    return this.head === this.entries.length;
  }

  /** Ids of the window's events that count (newest last), at most `max`. */
  evidence(max: number): string[] {
    const out: string[] = [];
    for (let i = this.entries.length - 1; i >= this.head && out.length < max; i--) {
      const e = this.entries[i] as WindowEntry;
      if (this.counts(this.users.get(tallyKey(e)))) out.push(e.id);
    }
    return out.reverse();
  }

  /** Source IPs of the events that count, but those the user is known at (EV02 blocks the IPs it was attacked from). */
  sources(): string[] {
    const ips = new Set<string>();
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i] as WindowEntry;
      const t = this.users.get(tallyKey(e));
      // never an address the user is known at: an attacker's failures must not cut the user off its own phones
      if (this.counts(t) && !(t as UserTally).known) ips.add(e.ip);
    }
    return [...ips];
  }

  private counts(t: UserTally | undefined): boolean {
    return t !== undefined && t.count > 0 && (!t.known || t.count > this.allowance);
  }

  /** A known user's first `allowance` failures are its own phone's: only those beyond count (at their mean weight). */
  private contribution(t: UserTally): Contribution {
    if (!this.counts(t)) return ZERO;
    return t.known ? { value: (t.weight * (t.count - this.allowance)) / t.count, distinct: 1 } : { value: t.weight, distinct: 1 };
  }

  private apply(before: Contribution, after: Contribution): void {
    this.value += after.value - before.value;
    this.distinct += after.distinct - before.distinct;
  }
}

interface Contribution {
  readonly value: number;
  readonly distinct: number;
}
const ZERO: Contribution = { value: 0, distinct: 0 };
