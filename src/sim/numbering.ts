import type { Rng } from './prng.js';

/** The 67 Brazilian area codes (DDD), from ../shared/data/brazil/brazil_ddd_area_codes.csv. */
// prettier-ignore
export const DDDS = [
  '11', '12', '13', '14', '15', '16', '17', '18', '19', '21', '22', '24', '27', '28', '31', '32', '33', '34', '35', '37', '38', '41', '42', '43', '44', '45', '46',
  '47', '48', '49', '51', '53', '54', '55', '61', '62', '63', '64', '65', '66', '67', '68', '69', '71', '73', '74', '75', '77', '79', '81', '82', '83', '84', '85',
  '86', '87', '88', '89', '91', '92', '93', '94', '95', '96', '97', '98', '99',
] as const;

/** Long-distance carrier selection codes (CSP) in use (../shared/data/brazil/brazil_csp_carrier_selection_codes.csv). */
export const CSPS = ['12', '14', '15', '21', '31', '41', '43'] as const;

/** Big metropolitan DDDs get most of the national long-distance traffic. */
// prettier-ignore
const BUSY_DDDS: readonly (readonly [string, number])[] = [
  ['11', 30], ['21', 12], ['31', 7], ['41', 5], ['51', 5], ['61', 5], ['71', 4], ['81', 4], ['85', 4], ['19', 4], ['62', 3], ['27', 3], ['48', 3], ['92', 2],
];

export type DestClass = 'fixed' | 'mobile' | 'tollfree' | 'international' | 'premium' | 'internal' | 'emergency';

/** A destination: its E.164 form (null for extensions and short codes), its class and price per billed minute in BRL. */
export interface Dest {
  readonly e164: string | null;
  /** National significant digits for BR numbers (DDD + subscriber), country code + number otherwise. */
  readonly digits: string;
  readonly cls: DestClass;
  readonly region: string;
  readonly tariff: number;
}

/** Tariffs per billed minute (BRL), by destination class; international ones per country below. */
export const TARIFF = { fixed: 0.05, mobile: 0.25, tollfree: 0, internal: 0, emergency: 0 } as const;

export function nationalDdd(rng: Rng, home: string): string {
  return rng.chance(0.65) ? home : rng.weighted([...BUSY_DDDS, [rng.pick(DDDS), 12]]);
}

/** Fixed lines have 8 digits starting 2-5; mobiles 9 digits starting 9 (Anatel numbering plan). */
export function fixedNumber(rng: Rng, ddd: string): Dest {
  const digits = `${ddd}${rng.int(2, 5)}${rng.digits(7)}`;
  return { e164: `+55${digits}`, digits, cls: 'fixed', region: 'BR', tariff: TARIFF.fixed };
}

export function mobileNumber(rng: Rng, ddd: string): Dest {
  const digits = `${ddd}9${rng.int(6, 9)}${rng.digits(7)}`;
  return { e164: `+55${digits}`, digits, cls: 'mobile', region: 'BR', tariff: TARIFF.mobile };
}

export function tollFreeNumber(rng: Rng): Dest {
  const digits = `800${rng.digits(7)}`;
  return { e164: `+55${digits}`, digits, cls: 'tollfree', region: 'BR', tariff: 0 };
}

interface Country {
  readonly region: string;
  readonly cc: string;
  /** Price per billed minute (BRL). */
  readonly tariff: number;
  /** National significant number, valid for libphonenumber (mobiles where the country has them). */
  readonly nsn: (rng: Rng) => string;
}

/** Destinations of legitimate international traffic: Brazil's main trading partners and neighbours. */
export const COUNTRIES: Readonly<Record<string, Country>> = {
  US: { region: 'US', cc: '1', tariff: 0.2, nsn: (r) => `${r.pick(['212', '305', '415', '646', '786', '617', '312'])}${r.int(2, 9)}${r.digits(6)}` },
  PT: { region: 'PT', cc: '351', tariff: 0.35, nsn: (r) => (r.chance(0.5) ? `9${r.pick(['1', '2', '3', '6'])}${r.digits(7)}` : `21${r.digits(7)}`) },
  ES: { region: 'ES', cc: '34', tariff: 0.35, nsn: (r) => (r.chance(0.5) ? `6${r.digits(8)}` : `91${r.digits(7)}`) },
  AR: { region: 'AR', cc: '54', tariff: 0.6, nsn: (r) => (r.chance(0.5) ? `911${r.int(2, 8)}${r.digits(7)}` : `114${r.digits(7)}`) },
  CL: { region: 'CL', cc: '56', tariff: 0.6, nsn: (r) => `9${r.pick(['4', '5', '8'])}${r.digits(7)}` },
  DE: { region: 'DE', cc: '49', tariff: 0.4, nsn: (r) => `17${r.digits(9)}` },
  IT: { region: 'IT', cc: '39', tariff: 0.45, nsn: (r) => `3${r.pick(['20', '28', '33', '34', '38', '39', '47', '48'])}${r.digits(7)}` },
  GB: { region: 'GB', cc: '44', tariff: 0.4, nsn: (r) => `73${r.digits(8)}` },
  CN: { region: 'CN', cc: '86', tariff: 0.8, nsn: (r) => `1${r.pick(['3', '8'])}${r.digits(9)}` },
  MX: { region: 'MX', cc: '52', tariff: 0.7, nsn: (r) => `55${r.digits(8)}` },
  CO: { region: 'CO', cc: '57', tariff: 0.7, nsn: (r) => `3${r.pick(['00', '01', '10', '12', '15', '20'])}${r.digits(7)}` },
  FR: { region: 'FR', cc: '33', tariff: 0.4, nsn: (r) => `6${r.pick(['1', '2', '4', '5', '6', '7', '8'])}${r.digits(7)}` },
  PY: { region: 'PY', cc: '595', tariff: 0.9, nsn: (r) => `98${r.int(1, 5)}${r.digits(6)}` },
  UY: { region: 'UY', cc: '598', tariff: 0.9, nsn: (r) => `9${r.int(1, 9)}${r.digits(6)}` },
};
export const TRADE_COUNTRIES = Object.keys(COUNTRIES);

/** Expensive destinations no profile allows and no list names: out-of-profile fraud that only policy catches. */
export const FRAUD_COUNTRIES: Readonly<Record<string, Country>> = {
  CU: { region: 'CU', cc: '53', tariff: 2.6, nsn: (r) => `5${r.digits(7)}` },
  LV: { region: 'LV', cc: '371', tariff: 1.8, nsn: (r) => `2${r.pick(['0', '1', '2', '6', '7', '9'])}${r.digits(6)}` },
  SO: { region: 'SO', cc: '252', tariff: 3, nsn: (r) => `61${r.digits(7)}` },
  SN: { region: 'SN', cc: '221', tariff: 2.2, nsn: (r) => `77${r.digits(7)}` },
};

/**
 * IRSF destinations on rules/lists/irsf-high-risk.csv and premium-rate.csv (the first digits after `+` are the
 * listed prefix): what a compromised PBX is made to call. The `prefix` is `+` and 4 digits, as traffic-pumping keys it.
 */
export const IRSF = [
  { prefix: '+2917', region: 'ER', tariff: 6.5, nsn: (r: Rng) => `7${r.digits(6)}`, cc: '291' },
  { prefix: '+9477', region: 'LK', tariff: 3.2, nsn: (r: Rng) => `77${r.digits(7)}`, cc: '94' },
  { prefix: '+8434', region: 'VN', tariff: 2.8, nsn: (r: Rng) => `34${r.digits(7)}`, cc: '84' },
  { prefix: '+6757', region: 'PG', tariff: 5.5, nsn: (r: Rng) => `7${r.digits(7)}`, cc: '675' },
  { prefix: '+1809', region: 'DO', tariff: 2.2, nsn: (r: Rng) => `809${r.int(2, 9)}${r.digits(6)}`, cc: '1' },
  { prefix: '+1876', region: 'JM', tariff: 2.5, nsn: (r: Rng) => `876${r.int(2, 9)}${r.digits(6)}`, cc: '1' },
  { prefix: '+8821', region: '001', tariff: 8, nsn: (r: Rng) => `16${r.digits(7)}`, cc: '882' },
  { prefix: '+9791', region: '001', tariff: 7.5, nsn: (r: Rng) => `1${r.digits(8)}`, cc: '979' },
] as const;

export function countryNumber(rng: Rng, c: Country): Dest {
  const digits = `${c.cc}${c.nsn(rng)}`;
  return { e164: `+${digits}`, digits, cls: 'international', region: c.region, tariff: c.tariff };
}

export function irsfNumber(rng: Rng, irsf: (typeof IRSF)[number]): Dest {
  const digits = `${irsf.cc}${irsf.nsn(rng)}`;
  return { e164: `+${digits}`, digits, cls: 'premium', region: irsf.region, tariff: irsf.tariff };
}

/** Brazilian premium-rate service numbers: 0900 (paid services) and 0500 (donations). */
export function brPremiumNumber(rng: Rng): Dest {
  const digits = `${rng.chance(0.8) ? '900' : '500'}${rng.digits(7)}`;
  return { e164: `+55${digits}`, digits, cls: 'premium', region: 'BR', tariff: rng.pick([1.5, 3, 4.9, 7.9]) };
}

export const EMERGENCY: Dest = { e164: null, digits: '190', cls: 'emergency', region: 'BR', tariff: 0 };

export function internal(extension: string): Dest {
  return { e164: null, digits: extension, cls: 'internal', region: 'BR', tariff: 0 };
}

/**
 * How a PBX writes the dialled number: e164 (SIP trunks normalise), national (Brazilian dialling: local numbers
 * without DDD, 0 + CSP + DDD for long distance, 00 + CSP + country code), outside-line (national after a 0).
 */
export type DialStyle = 'e164' | 'national' | 'outside-line';

export function dialled(rng: Rng, d: Dest, style: DialStyle, homeDdd: string): string {
  if (d.e164 === null || style === 'e164') return d.e164 ?? d.digits;
  const csp = rng.pick(CSPS);
  let text: string;
  if (d.region !== 'BR') text = `00${csp}${d.digits}`;
  else if (d.cls === 'tollfree' || d.cls === 'premium') text = `0${d.digits}`;
  else if (d.digits.startsWith(homeDdd)) text = d.digits.slice(2);
  else text = `0${csp}${d.digits}`;
  return style === 'outside-line' ? `0${text}` : text;
}

/** Billed seconds as Brazilian carriers bill: calls up to 3 s are free, then a 30 s minimum and 6 s steps. */
export function billedSeconds(billSec: number): number {
  if (billSec <= 3) return 0;
  return Math.max(30, Math.ceil(billSec / 6) * 6);
}

export function callCost(billSec: number, tariff: number): number {
  return Math.round((billedSeconds(billSec) / 60) * tariff * 100) / 100;
}
