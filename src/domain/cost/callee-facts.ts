import type { NormalisedNumber } from '../numbering/types.js';
import { validityOf, type Validity } from '../numbering/validity.js';
import type { RateEntry, RateTable } from './rate-table.js';

/** What a callee costs and whether it can exist: decided once per number (issue 16). */
export interface CalleeFacts {
  readonly rate: RateEntry;
  readonly validity: Validity;
}

const MAX_ENTRIES = 100_000;

/**
 * Memoised rate and validity per callee (E.164): a PBX dials the same numbers again and again, so a CDR costs one
 * map read. Bounded like NumberMemo: a full table is cleared (the hot numbers come straight back). Numbers that
 * cannot exist are priced at the table's invalid default, so they count toward exposure.
 */
export class CalleeFactsMemo {
  private readonly byE164 = new Map<string, CalleeFacts>();
  /** Unreadable numbers, extensions and short codes: no E.164 to key them by. */
  private readonly unreadable: CalleeFacts;
  private readonly internal: CalleeFacts;
  private readonly unallocated: CalleeFacts;
  /** One facts object per rate row: a miss allocates a map entry, not an object. */
  private readonly validAt = new Map<RateEntry, CalleeFacts>();

  constructor(private readonly rates: RateTable) {
    this.unreadable = Object.freeze({ rate: rates.invalid, validity: 'invalid' as const });
    this.unallocated = Object.freeze({ rate: rates.invalid, validity: 'unallocated' as const });
    // an extension or short code costs nothing outside the PBX (emergency calls are never counted anyway)
    this.internal = Object.freeze({
      rate: Object.freeze({ ...rates.invalid, rateClass: 'tollfree' as const, name: 'internal or short code', brlPerMinute: 0, source: 'not a public number' }),
      validity: 'valid' as const,
    });
  }

  of(callee: NormalisedNumber | null): CalleeFacts {
    if (callee === null) return this.unreadable;
    const e164 = callee.e164;
    if (e164 === null) return this.internal;
    let facts = this.byE164.get(e164);
    if (facts === undefined) {
      const validity = validityOf(callee);
      facts = validity === 'invalid' ? this.unreadable : validity === 'unallocated' ? this.unallocated : this.valid(this.rates.lookup(e164, callee.type));
      if (this.byE164.size >= MAX_ENTRIES) this.byE164.clear();
      this.byE164.set(e164, facts);
    }
    return facts;
  }

  private valid(rate: RateEntry): CalleeFacts {
    let facts = this.validAt.get(rate);
    if (facts === undefined) this.validAt.set(rate, (facts = Object.freeze({ rate, validity: 'valid' as const })));
    return facts;
  }
}
