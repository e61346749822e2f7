/** Number types: libphonenumber's types, plus the classes a PBX adds (short codes, extensions, feature codes). */
export const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
  'EMERGENCY',
  'SHORT_CODE',
  'EXTENSION',
  'FEATURE_CODE',
  'UNKNOWN',
] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

/** How the number was dialled, after the outside-line digit (if any) was removed. */
export type DialForm =
  | 'e164' // +CC...
  | 'international' // international prefix (BR: 00 + CSP) + CC...
  | 'national' // DDD + number, or the national prefix 0 + DDD + number
  | 'national-csp' // 0 + CSP + DDD + number
  | 'collect' // 90 + CSP + DDD + number, or 9090 + local number
  | 'local' // 8/9-digit subscriber number completed with the default DDD
  | 'non-geographic' // 0300/0303/0500/0800/0900 and 400x/3003
  | 'country-code' // CC + number without any prefix (55..., or an E.164 feed without the +)
  | 'short' // emergency and utility short codes
  | 'extension' // an internal PBX extension
  | 'feature'; // PBX feature codes such as *97

export interface NormalisedNumber {
  /** E.164 (`+5511961234567`), or null for short codes, extensions and feature codes. */
  readonly e164: string | null;
  /** Country calling code without `+` (`55`), or null when there is no E.164 form. */
  readonly countryCode: string | null;
  /** ISO 3166 region (`BR`), `001` for non-geographic codes (+800, +870, +881, +882, +883, +979), or null. */
  readonly region: string | null;
  readonly type: NumberType;
  /** Whether libphonenumber (max metadata) recognises the number as a valid assigned pattern. */
  readonly valid: boolean;
  /** Relative to the dial plan's home country. Short codes, extensions and local numbers are never international. */
  readonly international: boolean;
  readonly emergency: boolean;
  readonly form: DialForm;
  /** Brazilian carrier selection code (CSP) when one was dialled. */
  readonly csp: string | null;
}

/** Per-tenant (or per-account) dialling configuration. */
export interface DialPlan {
  /** ISO 3166-1 alpha-2 home country, e.g. `BR`. */
  readonly homeCountry: string;
  /** Area code completing local 8/9-digit Brazilian numbers. */
  readonly defaultDdd?: string | undefined;
  /** PBX outside-line digit(s), stripped from dialled numbers that start with them. */
  readonly outsideLinePrefix?: string | undefined;
  /** International access prefix outside Brazil (`00`, `011`); Brazil always uses `00` + CSP. */
  readonly internationalPrefix: string;
  /** Longest internal extension, in digits. Default 5. */
  readonly extensionMaxDigits?: number | undefined;
}
