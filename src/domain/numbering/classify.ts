import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { NumberType } from './types.js';

export interface Classification {
  readonly countryCode: string | null;
  readonly region: string | null;
  readonly type: NumberType;
  readonly valid: boolean;
}

/**
 * How many leading digits (after `+`, country code included) decide a classification, together with the length.
 * libphonenumber's type patterns constrain at most the first 6-7 national digits and then only count digits
 * (`\d{4}`); the property test in test/domain/numbering/classify.test.ts checks this against uncached parsing.
 */
export const CLASSIFY_PREFIX_DIGITS = 10;
const UNKNOWN: Classification = Object.freeze({ countryCode: null, region: null, type: 'UNKNOWN', valid: false });

/** Uncached: libphonenumber-js with its `max` metadata (about 10 µs per call). */
export function classifyE164(e164: string): Classification {
  const parsed = parsePhoneNumberFromString(e164);
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
  private readonly cache = new Map<string, Classification>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly maxEntries = 50_000) {}

  classify(e164: string): Classification {
    const key = e164.length <= CLASSIFY_PREFIX_DIGITS + 1 ? e164 : `${e164.slice(0, CLASSIFY_PREFIX_DIGITS + 1)}/${e164.length}`;
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
