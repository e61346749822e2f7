import type { NormalisedNumber } from '../numbering/types.js';
import { validityOf, type Validity } from '../numbering/validity.js';
import type { RateEntry, RateTable } from './rate-table.js';

/** What a callee costs and whether it can exist (issue 16). */
export interface CalleeFacts {
  readonly rate: RateEntry;
  readonly validity: Validity;
}

/**
 * Rate and validity per callee, decided per call: a few regex tests and one small map read per prefix length, and
 * one shared facts object per rate row. A memo per E.164 number measured slower (bench:engine: a miss and an insert
 * in a 100k-entry map per new number, its entries kept alive for the collector to copy; a hit costs about what
 * deciding does).
 * Numbers that cannot exist are priced at the table's invalid default, so they count toward exposure.
 */
export class CalleeFactsMemo {
  /** Unreadable numbers, extensions and short codes: no E.164 to key them by. */
  private readonly unreadable: CalleeFacts;
  private readonly internal: CalleeFacts;
  private readonly unallocated: CalleeFacts;
  /** One facts object per rate row: deciding allocates none. */
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
    const validity = validityOf(callee);
    return validity === 'invalid' ? this.unreadable : validity === 'unallocated' ? this.unallocated : this.valid(this.rates.lookup(e164, callee.type));
  }

  private valid(rate: RateEntry): CalleeFacts {
    let facts = this.validAt.get(rate);
    if (facts === undefined) this.validAt.set(rate, (facts = Object.freeze({ rate, validity: 'valid' as const })));
    return facts;
  }
}
