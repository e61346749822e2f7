import type { NormalisedNumber } from './types.js';

/**
 * Whether a dialled number can exist (issue 16, G4): `valid`; `invalid` (not a number of its country by
 * libphonenumber, or not readable at all); `unallocated` (a Brazilian number of a range the numbering plan does
 * not assign: an area code (DDD) that is none of the 67, an 11-digit number whose subscriber part does not start
 * with the mobile 9, a 10-digit one starting with the retired 8-digit mobile ranges). Calls to numbers that cannot
 * exist are short-stopped or hijacked ranges: a risk signal, and priced at the rate table's invalid default.
 */
export const VALIDITIES = ['valid', 'invalid', 'unallocated'] as const;
export type Validity = (typeof VALIDITIES)[number];

/** The 67 DDDs (shared/data/brazil/brazil_ddd_area_codes.csv; libphonenumber BR fixedLine). */
const DDD = /^(?:[14689][1-9]|2[12478]|3[1-578]|5[13-5]|7[13-579])$/;
/** Non-geographic and nationwide numbers (0300/0303/0500/0800/0900, 3003, 400x, 4020, 4370, 4864): no DDD. */
const NON_GEOGRAPHIC = /^(?:30[03]|[589]00|3003|400\d|4020|4370|4864)/;

/** Validity of a callee; null is a number that could not be read at all. Extensions, short and emergency codes are valid. */
export function validityOf(n: NormalisedNumber | null): Validity {
  if (n === null) return 'invalid';
  if (n.e164 === null || n.emergency) return 'valid';
  if (n.countryCode === '55') return brazilianValidity(n.e164.slice(3), n.valid);
  return n.valid ? 'valid' : 'invalid';
}

/** `national`: the national significant number (DDD + subscriber, or a non-geographic number). */
function brazilianValidity(national: string, valid: boolean): Validity {
  if (NON_GEOGRAPHIC.test(national)) return valid ? 'valid' : 'invalid';
  if (national.length !== 10 && national.length !== 11) return 'invalid';
  if (!DDD.test(national.slice(0, 2))) return 'unallocated';
  const first = national[2] as string;
  // 11 digits: mobile, DDD + 9 + 8 digits (the "9th digit" rule); 10 digits: fixed [2-5] or legacy trunking 7
  if (national.length === 11) return first === '9' ? (valid ? 'valid' : 'unallocated') : 'unallocated';
  if (first === '6' || first === '8' || first === '9') return 'unallocated';
  return valid ? 'valid' : 'invalid';
}
