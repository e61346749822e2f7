/**
 * Brazilian dialling forms (facts: ../shared/data/brazil/brazil_dialing_facts.md and libphonenumber's BR metadata).
 * Pure string work on digits: no libphonenumber calls here; the result is an E.164 candidate plus how it was dialled.
 */
import type { DialForm } from './types.js';

/**
 * A valid area code (DDD, libphonenumber BR fixedLine: (?:[14689][1-9]|2[12478]|3[1-578]|5[13-5]|7[13-579])) then
 * a subscriber's first digit (2-9), read at `lastIndex` (sticky): a national number inside a longer string, no slice.
 */
const NATIONAL_AT = /(?:[14689][1-9]|2[12478]|3[1-578]|5[13-5]|7[13-579])[2-9]/y;
const LANDLINE = /^[2-5]/;
/** Public emergency and safety services, toll-free by the plan (libphonenumber ShortNumberMetadata BR tollFree). */
const EMERGENCY = /^(?:1(?:00|12|28|8[015]|9[0-47-9])|911)$/;
/**
 * Other BR short codes: the `1...` branch of libphonenumber ShortNumberMetadata BR shortCode (utility and carrier
 * service numbers such as 102 directory, 151). Its other branches (4040, 55555, 6xxxxx carrier SMS codes) clash
 * with common PBX extension plans and are never voice-dialled, so they are read as extensions.
 */
const SHORT_CODE =
  /^1(?:0(?:[02]|3(?:1[2-579]|2[13-9]|3[124-9]|4[1-3578]|5[1-468]|6[139]|8[149]|9[168])|5[0-35-9]|6(?:0|1[0-35-8]?|2[0145]|3[0137]?|4[37-9]?|5[0-35]|6[016]?|7[137]?|8[5-8]|9[1359]))|1[25-8]|2[357-9]|3[024-68]|4[12568]|5\d|6[0-8]|8[015]|9[0-47-9])$/;
/** 0300, 0303, 0500, 0800 and 0900 followed by 6 or 7 digits. */
const NON_GEOGRAPHIC = /^0((?:30[03]|[589]00)\d{6,7})$/;
/** 8-digit nationwide numbers without a DDD: 3003xxxx, 400xxxxx, 4020xxxx, 4370xxxx, 4864xxxx. */
const NATIONWIDE = /^(?:3003|400\d|4020|4370|4864)\d{4}$/;

export interface BrazilCandidate {
  /** E.164 digits without `+`, or null when the form has none (short codes). */
  readonly digits: string | null;
  readonly form: DialForm;
  readonly csp: string | null;
}

/** Emergency numbers are the caller's (Normaliser) to recognise first: they win over every other reading. */
export function isBrazilianEmergency(digits: string): boolean {
  return EMERGENCY.test(digits);
}

/** A subscriber number: 8-digit landline ([2-5]...) or 9-digit mobile (9...). */
function isSubscriber(n: string): boolean {
  return (n.length === 8 && LANDLINE.test(n)) || (n.length === 9 && n.startsWith('9'));
}

/** DDD + subscriber (10 or 11 digits, also legacy 10-digit mobiles starting with 7-9): `digits` from `from` on. */
function isNational(digits: string, from = 0): boolean {
  const length = digits.length - from;
  if (length !== 10 && length !== 11) return false;
  NATIONAL_AT.lastIndex = from;
  return NATIONAL_AT.test(digits);
}

/**
 * Reads the Brazilian forms of a digit string (outside-line digit removed, emergency numbers already handled). Returns undefined when none
 * applies; the caller then tries the generic forms (country code without prefix, extension).
 * `isPlausibleE164` is called for `00...` to check a candidate against libphonenumber (CSP or no CSP).
 */
export function readBrazilian(digits: string, defaultDdd: string | undefined, isPlausibleE164: (digits: string) => boolean): BrazilCandidate | undefined {
  if (SHORT_CODE.test(digits)) return { digits: null, form: 'short', csp: null };

  // International: 00 + CSP + CC + number. Some trunks take 00 + CC without a CSP: prefer the CSP reading,
  // fall back to the other when only it gives a plausible number.
  if (digits.startsWith('00') && digits.length > 6) {
    const withCsp = digits.slice(4);
    if (isPlausibleE164(withCsp) || !isPlausibleE164(digits.slice(2))) {
      return { digits: withCsp, form: 'international', csp: digits.slice(2, 4) };
    }
    return { digits: digits.slice(2), form: 'international', csp: null };
  }

  const nonGeo = NON_GEOGRAPHIC.exec(digits);
  if (nonGeo?.[1]) return { digits: `55${nonGeo[1]}`, form: 'non-geographic', csp: null };
  if (NATIONWIDE.test(digits)) return { digits: `55${digits}`, form: 'non-geographic', csp: null };

  // National long distance: 0 + CSP + DDD + number (13/14 digits), or 0 + DDD + number (11/12 digits).
  if (digits.startsWith('0')) {
    if (isNational(digits, 3)) return { digits: `55${digits.slice(3)}`, form: 'national-csp', csp: digits.slice(1, 3) };
    if (isNational(digits, 1)) return { digits: `55${digits.slice(1)}`, form: 'national', csp: null };
    return undefined;
  }

  // Collect calls: 9090 + local number; 90 + CSP + DDD + number.
  if (digits.startsWith('9090') && isSubscriber(digits.slice(4))) {
    return local(digits.slice(4), defaultDdd, 'collect');
  }
  if (digits.startsWith('90') && isNational(digits, 4)) {
    return { digits: `55${digits.slice(4)}`, form: 'collect', csp: digits.slice(2, 4) };
  }

  if (isNational(digits)) return { digits: `55${digits}`, form: 'national', csp: null };
  if (isSubscriber(digits)) return local(digits, defaultDdd, 'local');
  // 55 + DDD + number, as SIP trunks send it without the +.
  if (digits.startsWith('55') && isNational(digits, 2)) {
    return { digits, form: 'country-code', csp: null };
  }
  return undefined;
}

function local(subscriber: string, defaultDdd: string | undefined, form: DialForm): BrazilCandidate | undefined {
  if (!defaultDdd) return undefined;
  return { digits: `55${defaultDdd}${subscriber}`, form, csp: null };
}
