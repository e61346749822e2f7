import { PrefixKeys } from '../numbering/prefix-keys.js';
import type { NumberType } from '../numbering/types.js';

/**
 * What a row of `rules/rates.csv` prices: `national-mobile` rows apply to MOBILE numbers of their prefix,
 * `national-fixed` rows to its other numbers, every other class whatever the number type; `invalid` is the one
 * `*` row pricing invalid and unallocated numbers and every number no row covers (unknown ranges are where IRSF
 * lives, so the default is dear).
 */
export const RATE_CLASSES = ['national-fixed', 'national-mobile', 'national-other', 'tollfree', 'premium', 'irsf', 'country', 'invalid'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

/** One row of the rate table: every row names what its figure rests on. */
export interface RateEntry {
  /** E.164 digits without +, e.g. `2917`; `*` for the invalid default. */
  readonly prefix: string;
  readonly rateClass: RateClass;
  readonly name: string;
  /** BRL per billed minute. */
  readonly brlPerMinute: number;
  readonly source: string;
}

/** Used when the rates file has no `*` row (tests, a rules directory without rates.csv): estimates nothing. */
const NO_DEFAULT: RateEntry = Object.freeze({ prefix: '*', rateClass: 'invalid', name: 'no rate table', brlPerMinute: 0, source: 'no rates.csv' });

const appliesTo = (e: RateEntry, type: NumberType): boolean =>
  e.rateClass === 'national-mobile' ? type === 'MOBILE' : e.rateClass === 'national-fixed' ? type !== 'MOBILE' : true;

/** Longest-prefix price lookup (pure; callers memoise per callee, see CalleeFacts). */
export class RateTable {
  private readonly rows: PrefixKeys<RateEntry>;
  /** The `*` row: invalid, unallocated and unlisted numbers. */
  readonly invalid: RateEntry;

  constructor(entries: readonly RateEntry[]) {
    this.rows = new PrefixKeys(entries.filter((e) => e.prefix !== '*').map((e) => [e.prefix, e] as const));
    this.invalid = entries.find((e) => e.prefix === '*') ?? NO_DEFAULT;
  }

  get size(): number {
    return this.rows.size;
  }

  /** The row pricing an E.164 number (`+2917…` or digits) of this type: the longest prefix whose class applies, else the invalid default. */
  lookup(e164: string, type: NumberType): RateEntry {
    for (const n of this.rows.lengths) {
      const rows = this.rows.at(e164, n);
      if (rows) for (const row of rows) if (appliesTo(row, type)) return row;
    }
    return this.invalid;
  }
}
