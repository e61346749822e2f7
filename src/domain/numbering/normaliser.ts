import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { SentinelaError } from '../../errors.js';
import { withoutStackTraces } from './no-stack.js';
import { readBrazilian, isBrazilianEmergency, type BrazilCandidate } from './brazil.js';
import { PrefixClassifier, type ClassifierStats } from './classify.js';
import type { DialForm, DialPlan, NormalisedNumber } from './types.js';

export type NumberResult = { readonly ok: true; readonly number: NormalisedNumber } | { readonly ok: false; readonly error: SentinelaError };

/** Which side of the call a number is on: the outside-line digit is only ever dialled, never presented. */
export type Side = 'callee' | 'caller';

/** Longest dialled string accepted: outside line (2) + 00 + CSP (4) + 15 E.164 digits, with margin. */
const MAX_DIGITS = 24;
const DEFAULT_EXTENSION_MAX_DIGITS = 5;
/** Emergency numbers outside Brazil: the GSM-mandated 112 and 911, plus the commonest national ones. */
const GENERIC_EMERGENCY = new Set(['112', '911', '999', '000', '110', '119']);
const SEPARATORS = /[\s\-.()/]/g;
const URI_CHARS = /[:@;]/;
// module constants: a regex literal in a function body is a new RegExp object on every call
/** A feature code: *, # and digits, starting with * or # or with digits before the first * or #. */
const FEATURE_CODE = /^(?:[*#][\d*#]*|\d+[*#][\d*#]*)$/;
const DIGITS = /^\d+$/;

/**
 * Dialled string → E.164, country, region, type, international and emergency flags. Pure (no IO, no clock);
 * holds only a classification cache, so one instance can serve every tenant.
 */
export class Normaliser {
  /** Bound once: readBrazilian calls it on the hot path. */
  private readonly isPlausible = (digits: string): boolean => digits.length >= 7 && digits.length <= 15 && this.classifier.classify(`+${digits}`).valid;

  constructor(private readonly classifier = new PrefixClassifier()) {}

  cacheStats(): ClassifierStats {
    return this.classifier.stats();
  }

  normalise(dialled: string, plan: DialPlan, side: Side = 'callee'): NumberResult {
    const cleaned = stripUri(dialled.trim()).replace(SEPARATORS, '');
    if (cleaned === '') return failure('NUMBER_EMPTY', 'number is empty', dialled);
    if (FEATURE_CODE.test(cleaned)) {
      return ok(shortForm('feature', false, 'FEATURE_CODE'));
    }
    if (cleaned.startsWith('+')) {
      const digits = cleaned.slice(1);
      if (!DIGITS.test(digits)) return failure('NUMBER_INVALID_CHARS', 'only digits may follow +', dialled);
      if (digits.length > 15) return failure('NUMBER_TOO_LONG', 'E.164 numbers have at most 15 digits', dialled);
      return this.fromE164Digits(digits, 'e164', null, plan, dialled);
    }
    if (!DIGITS.test(cleaned)) return failure('NUMBER_INVALID_CHARS', 'a dialled number holds digits, +, * and # only', dialled);
    if (cleaned.length > MAX_DIGITS) return failure('NUMBER_TOO_LONG', `more than ${MAX_DIGITS} digits`, dialled);

    if (this.isEmergency(cleaned, plan)) return ok(EMERGENCY_NUMBER);
    let digits = cleaned;
    const outside = plan.outsideLinePrefix;
    if (side === 'callee' && outside && digits.length > outside.length && digits.startsWith(outside)) {
      digits = digits.slice(outside.length);
      if (this.isEmergency(digits, plan)) return ok(EMERGENCY_NUMBER);
    }

    if (plan.homeCountry === 'BR') {
      const candidate = readBrazilian(digits, plan.defaultDdd, this.isPlausible);
      if (candidate) return this.fromCandidate(candidate, plan, dialled);
    } else {
      const international = plan.internationalPrefix.replace('+', '');
      if (international && digits.startsWith(international) && digits.length > international.length + 3) {
        return this.fromE164Digits(digits.slice(international.length), 'international', null, plan, dialled);
      }
      const national = withoutStackTraces(() => parsePhoneNumberFromString(digits, plan.homeCountry as CountryCode));
      if (national?.isValid()) return this.fromE164Digits(national.number.slice(1), 'national', null, plan, dialled);
    }
    // An E.164 feed without the +. In Brazil only from 10 digits up, so that a local number without a default
    // DDD (961234567) is never misread as a foreign one (+961 Lebanon).
    const bareMin = plan.homeCountry === 'BR' ? 10 : 8;
    if (digits.length >= bareMin && this.isPlausible(digits)) return this.fromE164Digits(digits, 'country-code', null, plan, dialled);
    if (digits.length <= (plan.extensionMaxDigits ?? DEFAULT_EXTENSION_MAX_DIGITS)) {
      return ok(shortForm('extension', false, 'EXTENSION'));
    }
    const hint = plan.homeCountry === 'BR' && digits.length <= 9 && !plan.defaultDdd ? ' (a local number needs a default DDD)' : '';
    return failure('NUMBER_UNPARSEABLE', `matches no dialling form of ${plan.homeCountry}${hint}`, dialled);
  }

  private isEmergency(digits: string, plan: DialPlan): boolean {
    return plan.homeCountry === 'BR' ? isBrazilianEmergency(digits) : GENERIC_EMERGENCY.has(digits);
  }

  private fromCandidate(candidate: BrazilCandidate, plan: DialPlan, dialled: string): NumberResult {
    if (candidate.digits === null) return ok(shortForm(candidate.form, false, 'SHORT_CODE'));
    return this.fromE164Digits(candidate.digits, candidate.form, candidate.csp, plan, dialled);
  }

  private fromE164Digits(digits: string, form: DialForm, csp: string | null, plan: DialPlan, dialled: string): NumberResult {
    if (digits.length < 3 || digits.startsWith('0')) return failure('NUMBER_UNPARSEABLE', 'no country code follows the prefix', dialled);
    const e164 = `+${digits}`;
    const c = this.classifier.classify(e164);
    if (c.countryCode === null) return failure('NUMBER_UNPARSEABLE', `${e164} has no known country code`, dialled);
    return ok({
      e164,
      countryCode: c.countryCode,
      region: c.region,
      type: c.type,
      valid: c.valid,
      international: c.region !== plan.homeCountry,
      emergency: false,
      form,
      csp,
    });
  }
}

const EMERGENCY_NUMBER: NormalisedNumber = Object.freeze(shortForm('short', true, 'EMERGENCY'));

function stripUri(value: string): string {
  // a plain number (nearly every call) has none of a URI's separators: no regex, no array
  if (!URI_CHARS.test(value)) return value;
  const scheme = /^(?:sips?|tel):/i.exec(value);
  const withoutScheme = scheme ? value.slice(scheme[0].length) : value;
  return withoutScheme.split(/[@;]/, 1)[0] ?? '';
}

function shortForm(form: DialForm, emergency: boolean, type: NormalisedNumber['type']): NormalisedNumber {
  return { e164: null, countryCode: null, region: null, type, valid: true, international: false, emergency, form, csp: null };
}

function ok(number: NormalisedNumber): NumberResult {
  return { ok: true, number };
}

/**
 * A number that cannot be read is an answer, not a fault: its error is built without a stack trace, whose capture
 * cost more than the whole normalisation (block-checks dial unknown and malformed numbers all day).
 */
function failure(code: 'NUMBER_EMPTY' | 'NUMBER_INVALID_CHARS' | 'NUMBER_TOO_LONG' | 'NUMBER_UNPARSEABLE', message: string, dialled: string): NumberResult {
  const shown = dialled.slice(0, 64);
  return { ok: false, error: withoutStackTraces(() => new SentinelaError(code, `${JSON.stringify(shown)}: ${message}`, { dialled: shown })) };
}
