import type { Dest } from './numbering.js';
import type { Rng } from './prng.js';

/**
 * Number ranges of the issue-16 episodes and their legitimate counterparts. None is on rules/lists: a rule must
 * judge them by cost, novelty and shape, not by a list. Every number here is valid for libphonenumber (max
 * metadata) unless it is made invalid on purpose (`invalidNumber`).
 */
export interface Range {
  /** `+` country code and the range's leading national digits. */
  readonly prefix: string;
  readonly region: string;
  readonly cc: string;
  /** National significant number length. */
  readonly nsnLength: number;
  /** BRL per billed minute. */
  readonly tariff: number;
  readonly name: string;
}

/** Unlisted high-cost African mobile ranges: where IRSF test calls, pumping and money drains go. */
export const HIGH_COST_RANGES: readonly Range[] = [
  { prefix: '+22462', region: 'GN', cc: '224', nsnLength: 9, tariff: 4.2, name: 'Guinea mobile (Orange)' },
  { prefix: '+23276', region: 'SL', cc: '232', nsnLength: 8, tariff: 4.6, name: 'Sierra Leone mobile (Africell)' },
  { prefix: '+23177', region: 'LR', cc: '231', nsnLength: 9, tariff: 4.9, name: 'Liberia mobile (Lonestar)' },
  { prefix: '+24381', region: 'CD', cc: '243', nsnLength: 9, tariff: 3.9, name: 'DR Congo mobile (Vodacom)' },
  { prefix: '+26134', region: 'MG', cc: '261', nsnLength: 9, tariff: 3.6, name: 'Madagascar mobile (Telma)' },
];

/** Ranges Wangiri rings come from (classic sources in operator warnings: Mauritania, Tunisia). */
export const WANGIRI_RANGES: readonly Range[] = [
  { prefix: '+2222', region: 'MR', cc: '222', nsnLength: 8, tariff: 4.4, name: 'Mauritania mobile (Mattel)' },
  { prefix: '+2162', region: 'TN', cc: '216', nsnLength: 8, tariff: 3.1, name: 'Tunisia mobile (Ooredoo)' },
];

/** Where expats and migrant employees call family: mobile ranges in Africa and Latin America. */
export const FAMILY_RANGES: readonly Range[] = [
  { prefix: '+24492', region: 'AO', cc: '244', nsnLength: 9, tariff: 2.9, name: 'Angola mobile (Unitel)' },
  { prefix: '+234803', region: 'NG', cc: '234', nsnLength: 10, tariff: 1.6, name: 'Nigeria mobile (MTN)' },
  { prefix: '+5093', region: 'HT', cc: '509', nsnLength: 8, tariff: 2.4, name: 'Haiti mobile (Digicel)' },
  { prefix: '+5917', region: 'BO', cc: '591', nsnLength: 8, tariff: 1.4, name: 'Bolivia mobile' },
  { prefix: '+519', region: 'PE', cc: '51', nsnLength: 9, tariff: 0.9, name: 'Peru mobile' },
  { prefix: '+58412', region: 'VE', cc: '58', nsnLength: 10, tariff: 1.8, name: 'Venezuela mobile (Digitel)' },
];

/** A random number of the range. */
export function rangeNumber(rng: Rng, r: Range): Dest {
  const lead = r.prefix.slice(1 + r.cc.length);
  const digits = `${r.cc}${lead}${rng.digits(r.nsnLength - lead.length)}`;
  return { e164: `+${digits}`, digits, cls: 'international', region: r.region, tariff: r.tariff };
}

/** Brazilian area codes Anatel never allocated: a number in them is unallocated. */
const UNALLOCATED_DDDS = ['20', '23', '25', '26', '29', '30', '36', '39', '40', '50', '52', '56', '57', '58', '59', '60', '70', '72', '76', '78', '80', '90'];

/**
 * An invalid or unallocated number: a Brazilian number one digit short, one in an unallocated DDD, or an
 * international number of the wrong length. libphonenumber calls none of them valid.
 */
export function invalidNumber(rng: Rng, homeDdd: string, international: boolean): Dest {
  if (international) {
    const r = rng.pick([...HIGH_COST_RANGES, ...WANGIRI_RANGES]);
    const lead = r.prefix.slice(1 + r.cc.length);
    const digits = `${r.cc}${lead}${rng.digits(Math.max(1, r.nsnLength - lead.length - rng.int(2, 3)))}`;
    return { e164: `+${digits}`, digits, cls: 'international', region: r.region, tariff: r.tariff };
  }
  const digits = rng.chance(0.5) ? `${homeDdd}9${rng.int(6, 9)}${rng.digits(6)}` : `${rng.pick(UNALLOCATED_DDDS)}${rng.int(2, 5)}${rng.digits(7)}`;
  return { e164: `+55${digits}`, digits, cls: 'fixed', region: 'BR', tariff: 0.05 };
}

/**
 * What an international call costs: carriers bill international calls by the minute (60/60), so a 2 s answered
 * call costs a whole minute; unanswered calls cost nothing. (National calls keep Brazil's 3 s free / 30 s / 6 s.)
 */
export function internationalCost(billSec: number, tariff: number): number {
  if (billSec <= 0) return 0;
  return Math.round(Math.ceil(billSec / 60) * tariff * 100) / 100;
}

/** A call with international billing when it is an outbound call abroad (the calls of the issue-16 traffic). */
export function billedAbroad<T extends { readonly direction: string; readonly billSec: number; readonly dest: Dest; readonly cost: number }>(call: T): T {
  return call.direction !== 'outbound' || call.dest.region === 'BR' ? call : { ...call, cost: internationalCost(call.billSec, call.dest.tariff) };
}
