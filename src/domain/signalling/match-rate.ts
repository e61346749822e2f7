/**
 * How many of a security source's lines its decoder recognised (issue 18 item 2): a PBX upgrade that changes its
 * log format makes every line unrecognised, and fail2ban users only learn it when the bans stop (fail2ban#2316,
 * #988). Per source, lines are counted in minute buckets over `windowMs`; when at least `minLines` were seen and
 * the share recognised falls below `minRatio`, the source turns `failing` (once, until it recovers).
 */
export interface MatchRateOptions {
  readonly windowMs: number;
  readonly minLines: number;
  readonly minRatio: number;
}

export const DEFAULT_MATCH_RATE: MatchRateOptions = Object.freeze({ windowMs: 10 * 60_000, minLines: 20, minRatio: 0.5 });

export interface MatchRateChange {
  readonly source: string;
  readonly state: 'failing' | 'recovered';
  readonly ratio: number;
  readonly lines: number;
}

interface Bucket {
  minute: number;
  recognised: number;
  unrecognised: number;
}

export class MatchRate {
  private readonly sources = new Map<string, { buckets: Bucket[]; failing: boolean }>();

  constructor(private readonly o: MatchRateOptions = DEFAULT_MATCH_RATE) {}

  /** Counts one line of `source` at `at` (epoch ms); returns the source's change of state, if this line made one. */
  observe(source: string, recognised: boolean, at: number): MatchRateChange | undefined {
    let s = this.sources.get(source);
    if (!s) this.sources.set(source, (s = { buckets: [], failing: false }));
    const minute = Math.floor(at / 60_000);
    let last = s.buckets[s.buckets.length - 1];
    if (!last || last.minute < minute) s.buckets.push((last = { minute, recognised: 0, unrecognised: 0 }));
    if (recognised) last.recognised++;
    else last.unrecognised++;
    const oldest = minute - Math.ceil(this.o.windowMs / 60_000);
    while ((s.buckets[0]?.minute ?? Infinity) <= oldest) s.buckets.shift();
    const { ratio, lines } = this.ratioOf(source) as { ratio: number; lines: number };
    if (lines < this.o.minLines) return undefined;
    const failing = ratio < this.o.minRatio;
    if (failing === s.failing) return undefined;
    s.failing = failing;
    return { source, state: failing ? 'failing' : 'recovered', ratio, lines };
  }

  /** The share of `source`'s lines recognised within the window, and how many lines that is. */
  ratioOf(source: string): { ratio: number; lines: number } | undefined {
    const s = this.sources.get(source);
    if (!s) return undefined;
    let recognised = 0;
    let lines = 0;
    for (const b of s.buckets) {
      recognised += b.recognised;
      lines += b.recognised + b.unrecognised;
    }
    return { ratio: lines === 0 ? 1 : recognised / lines, lines };
  }
}
