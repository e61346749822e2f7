import { NUMBER_TYPES, type NumberType } from '../numbering/types.js';
import type { Levels } from './levels.js';
import type { RecentCountries } from './recent-countries.js';
import type { Members } from './sites.js';

/** A subject is familiar once seen this long ago: before that, everything it does is new and nothing is novel. */
export const FAMILIAR_AFTER_MS = 86_400_000;
/** Subjects not seen for this long are forgotten (memory is bounded by the subjects of a month). */
export const RETENTION_MS = 30 * 86_400_000;
const MAX_IPS = 16;

/** The subjects a usage profile is learned for: the keys a `baseline:` rule may count by. */
export type SubjectKind = 'ip' | 'account' | 'caller';

/**
 * What is learned of one subject, and the learned levels of every baseline rule counting by it. First and last
 * seen are whole minutes since the epoch: small integers to V8, where a millisecond time would be a heap number
 * of its own, one more memory read per call (measured: half the cost of learning).
 */
export interface Subject {
  /** Exact first-seen time (epoch ms): read only on the minute it decides familiarity, see `familiar`. */
  firstSeen: number;
  firstMinute: number;
  lastMinute: number;
  /** Per level slot of the subject's kind (see UsageBook.levelSlot); created when first learned. */
  levels: (Levels | undefined)[] | undefined;
  /** Local day on which the subject went far above its baseline: its size does not count again that day. */
  taintedDay: number;
}
export interface IpSite extends Subject {
  readonly callers: Members;
  readonly accounts: Members;
}
export interface AccountSite extends Subject {
  readonly callers: Members;
  readonly countries: Set<string>;
  /** Number types dialled, as bits of NUMBER_TYPES (no set to look up per call). */
  types: number;
  /** Addresses used recently, see `remember`. */
  ips: number[];
  /** Networks (networks.ts) the account took up, see `remember`; updated only on calls from an address new within a day. */
  nets: number[];
  /** The address whose network is first in `nets` (one lookup saved while an account keeps calling from one address). */
  netOf: number;
  /** Countries first dialled within the last day (novelty `recentCountry`), see recent-countries.ts; mostly none. */
  recentCountries: RecentCountries | undefined;
}
export interface CallerSite extends Subject {
  ips: number[];
}

const TYPE_BITS = new Map<string, number>(NUMBER_TYPES.map((t, i) => [t, 1 << i]));
/** A number type as a bit of an account's `types`. */
export const typeBit = (type: NumberType): number => TYPE_BITS.get(type) ?? 0;
/** Stored type names as bits (a name this version does not know is skipped). */
export const typeBits = (types: readonly string[]): number => types.reduce((bits, t) => bits | (TYPE_BITS.get(t) ?? 0), 0);
export const typesOf = (bits: number): NumberType[] => NUMBER_TYPES.filter((_, i) => (bits & (1 << i)) !== 0);

export const MINUTE_MS = 60_000;
export const minuteOf = (t: number): number => Math.floor(t / MINUTE_MS);

/** Seen at least FAMILIAR_AFTER_MS before `t` (exact: the millisecond time is read only within its minute). */
export function familiar(site: Subject | undefined, t: number): boolean {
  if (site === undefined) return false;
  const limit = t - FAMILIAR_AFTER_MS;
  const minuteStart = site.firstMinute * MINUTE_MS; // firstSeen is within [minuteStart, minuteStart + 1 min)
  if (minuteStart + MINUTE_MS <= limit) return true;
  if (minuteStart > limit) return false;
  return site.firstSeen <= limit;
}

export function touch(site: Subject, t: number): void {
  const minute = minuteOf(t);
  if (minute <= site.firstMinute && t < site.firstSeen) {
    site.firstSeen = t;
    site.firstMinute = minute;
  }
  if (minute > site.lastMinute) site.lastMinute = minute;
}

// Whole literals, one per kind (first seen in ms, last seen in minutes), built only here: an object made by spreading a common part was measured 4× slower
// to read and update per call than a literal.
export const ipSite = (first: number, lastMinute: number, callers: Members, accounts: Members): IpSite => ({
  firstSeen: first,
  firstMinute: minuteOf(first),
  lastMinute,
  levels: undefined,
  taintedDay: -1,
  callers,
  accounts,
});
export const accountSite = (
  first: number,
  lastMinute: number,
  callers: Members,
  countries: Set<string>,
  types: number,
  ips: number[],
  nets: number[],
  recentCountries?: RecentCountries,
): AccountSite => ({
  firstSeen: first,
  firstMinute: minuteOf(first),
  lastMinute,
  levels: undefined,
  taintedDay: -1,
  callers,
  countries,
  types,
  ips,
  nets,
  netOf: -1,
  recentCountries,
});
export const callerSite = (first: number, lastMinute: number, ips: number[]): CallerSite => ({
  firstSeen: first,
  firstMinute: minuteOf(first),
  lastMinute,
  levels: undefined,
  taintedDay: -1,
  ips,
});

/**
 * Records `ip` in a short list of recent addresses with when each was first used, flat as [ip, since, ip, since…]
 * (most recent first); returns since when the address has been used (novelty lasts a day, not one call).
 */
export function remember(ips: number[], ip: number, t: number): number {
  let since = t;
  for (let i = 0; i < ips.length; i += 2) {
    if (ips[i] !== ip) continue;
    since = Math.min(ips[i + 1] as number, t);
    if (i === 0) {
      ips[1] = since;
      return since;
    }
    ips.splice(i, 2);
    break;
  }
  ips.unshift(ip, since);
  if (ips.length > 2 * MAX_IPS) ips.length = 2 * MAX_IPS;
  return since;
}
