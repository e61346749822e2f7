import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { withoutStackTraces } from './no-stack.js';
import type { NumberType } from './types.js';

export interface Classification {
  readonly countryCode: string | null;
  readonly region: string | null;
  readonly type: NumberType;
  readonly valid: boolean;
}

/**
 * How many leading digits (after `+`, country code included) decide a classification, together with the length.
 * libphonenumber's type patterns constrain the first national digits and then only count digits (`\d{7}`).
 * The default is deep enough for every territory; the home market gets its exact depth so the cache hits on
 * random subscriber numbers: Brazil's patterns (libphonenumber-js max metadata) fix at most 4 national digits
 * after any national prefix libphonenumber strips (see BR_STRIPPABLE), e.g. `4(?:0(?:0\d|20)|370|864)\d{4}` and
 * `DDD(?:7|9\d)\d{7}`. The property tests in
 * test/domain/numbering/international.test.ts check both depths against uncached parsing.
 */
export const CLASSIFY_PREFIX_DIGITS = 10;
export const CLASSIFY_PREFIX_DIGITS_BY_COUNTRY_CODE: Readonly<Record<string, number>> = { '55': 6 };

/**
 * Brazilian national prefixes libphonenumber may strip before matching (0 or 90, then a carrier code): the 4
 * deciding digits come after them, so the key reaches that much deeper (+55 90 4864… is shared cost).
 */
const BR_STRIPPABLE = /^\+55(?:0|90)(?:1[245]|2[1-35]|31|4[13]|[56]5|99)?/;

/**
 * The leading `depth` digits and the length, as one number (no substring and key string built and hashed per
 * number): (digits' value × 11 + how many) × 32 + length. A string with anything but digits after `+`, or
 * longer than 31, is its own key, as text.
 */
function cacheKey(e164: string): number | string {
  let depth = CLASSIFY_PREFIX_DIGITS;
  if (e164.startsWith('+55')) {
    // only a 0 or 90 after +55 can be stripped: most numbers skip the regex and its match array
    const strippable = e164[3] === '0' || (e164[3] === '9' && e164[4] === '0') ? BR_STRIPPABLE.exec(e164) : null;
    depth = (CLASSIFY_PREFIX_DIGITS_BY_COUNTRY_CODE['55'] ?? CLASSIFY_PREFIX_DIGITS) + ((strippable?.[0].length ?? 3) - 3);
  }
  const length = e164.length;
  if (length > 31 || e164.charCodeAt(0) !== PLUS || depth > MAX_NUMERIC_DEPTH) return textKey(e164, depth);
  const digits = Math.min(depth, length - 1);
  let value = 0;
  for (let i = 1; i <= digits; i++) {
    const d = e164.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return textKey(e164, depth);
    value = value * 10 + d;
  }
  return (value * 11 + digits) * 32 + length;
}
const textKey = (e164: string, depth: number): string => (e164.length <= depth + 1 ? e164 : `${e164.slice(0, depth + 1)}/${e164.length}`);
const PLUS = 43;
const ZERO = 48;
/** (10^10 × 11 + 10) × 32 + 31 < 2^53: exact as a double. */
const MAX_NUMERIC_DEPTH = 10;
const UNKNOWN: Classification = Object.freeze({ countryCode: null, region: null, type: 'UNKNOWN', valid: false });

/** Uncached: libphonenumber-js with its `max` metadata (about 10 µs per call). */
export function classifyE164(e164: string): Classification {
  // no country code starts with 0: a dialled string with a leading 0 tried last as bare E.164 ends here
  if (e164.charCodeAt(1) === ZERO) return UNKNOWN;
  const parsed = withoutStackTraces(() => parsePhoneNumberFromString(e164));
  if (!parsed) return UNKNOWN;
  const valid = parsed.isValid();
  return {
    countryCode: parsed.countryCallingCode,
    region: parsed.country ?? (parsed.countryCallingCode ? '001' : null),
    type: (valid ? parsed.getType() : undefined) ?? 'UNKNOWN',
    valid,
  };
}

export interface ClassifierStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
}

/**
 * Memoises classifyE164 by (leading digits, length). Bounded: when full, the oldest half is dropped
 * (Map iteration is insertion order), so memory stays flat whatever the traffic.
 */
export class PrefixClassifier {
  private readonly cache = new Map<number | string, Classification>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly maxEntries = 50_000) {}

  /** The number classified last: a dialled `00` number is classified to check it (isPlausible), then again as the result. */
  private lastE164 = '';
  private last: Classification = UNKNOWN;

  classify(e164: string): Classification {
    if (e164 === this.lastE164) {
      this.hits++;
      return this.last;
    }
    this.lastE164 = e164;
    return (this.last = this.lookup(e164));
  }

  private lookup(e164: string): Classification {
    // answered at once, and kept out of the cache: national numbers tried as bare E.164 would fill it
    if (e164.charCodeAt(1) === ZERO) return UNKNOWN;
    const key = cacheKey(e164);
    const cached = this.cache.get(key);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const result = classifyE164(e164);
    if (this.cache.size >= this.maxEntries) this.evictOldestHalf();
    this.cache.set(key, result);
    return result;
  }

  stats(): ClassifierStats {
    return { hits: this.hits, misses: this.misses, size: this.cache.size };
  }

  private evictOldestHalf(): void {
    let toDrop = Math.floor(this.cache.size / 2);
    for (const key of this.cache.keys()) {
      if (toDrop-- <= 0) break;
      this.cache.delete(key);
    }
  }
}
