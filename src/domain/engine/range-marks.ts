import type { CompiledRule } from '../rules/compile.js';
import { hotlistDenyHits } from '../lists/hotlist-check.js';
import type { HotlistHolder } from '../lists/hotlist.js';
import type { CallEvent } from './event.js';
import type { RestoredAlert } from './episodes.js';
import { markHotRanges } from './hot-marks.js';
import { HotRanges, type HotRange } from './hot-ranges.js';
import type { DenyHit } from './lists-check.js';
import type { Verdict } from './verdicts.js';

const NO_HOT: readonly HotRange[] = Object.freeze([]);
const NO_DENY_HITS: readonly DenyHit[] = Object.freeze([]);

/**
 * What the engine knows about destination ranges beyond the rule windows (issue 16): hot ranges marked by rules
 * (an IRSF test call, a Wangiri range) or given (confirmed attacks), and the shared hotlist read as deny entries
 * and as given hot ranges. Pure: event time comes in.
 */
export class RangeMarks {
  private readonly hot = new HotRanges();

  constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly hotlist: HotlistHolder | undefined,
  ) {}

  /** Ranges given from outside the rules, each until its `expiresAt` (`match.hot: [given]`). */
  add(ranges: readonly HotRange[]): void {
    for (const r of ranges) this.hot.add({ tenant: r.tenant, prefix: r.prefix, source: r.source, expiresAt: r.expiresAt });
  }

  /** Unexpired hot ranges (given and marked by rules), optionally of one tenant, at event time `at`. */
  active(at: number, tenant?: string): HotRange[] {
    return [...this.hot.active(at, tenant)];
  }

  /**
   * The hot ranges holding a callee: marked by rules or given, and a shared hotlist's number range (a confirmed
   * attack's range, an imported list) as a given one, so range rules weigh it as hot.
   */
  of(tenant: string, e164: string, at: number): readonly HotRange[] {
    const marked = this.hot.size > 0 ? this.hot.lookup(tenant, e164, at) : NO_HOT;
    const index = this.hotlist?.index;
    if (index === undefined || index.size === 0) return marked;
    const listed = index.number(tenant, e164, at);
    if (!listed) return marked;
    return [...marked, { tenant, prefix: listed.value, source: `hotlist:${listed.source}`, expiresAt: listed.expiresAt ?? Infinity }];
  }

  /** The hotlist entries a call meets, as deny-list style hits (none while the hotlist is empty). */
  denyHits(event: CallEvent): readonly DenyHit[] {
    const index = this.hotlist?.index;
    return index === undefined || index.size === 0 ? NO_DENY_HITS : hotlistDenyHits(event, index);
  }

  /** A `hotRange` rule's alerts on destination ranges make those ranges hot (restored alerts too). */
  mark(verdicts: readonly (Verdict | RestoredAlert)[], rules: readonly CompiledRule[] = this.rules): void {
    if (verdicts.length > 0) markHotRanges(rules, verdicts, this.hot);
  }

  trim(horizonOf: (tenant: string) => number): void {
    this.hot.trim(horizonOf);
  }
}
