import type { CallEvent } from '../engine/event.js';
import { hourClass, type HourClass } from './hour-class.js';
import { Levels, type LevelsSnapshot } from './levels.js';
import { hash32, Members } from './sites.js';

/** A subject is familiar once seen this long ago: before that, everything it does is new and nothing is novel. */
export const FAMILIAR_AFTER_MS = 86_400_000;
/** Subjects not seen for this long are forgotten (memory is bounded by the subjects of a month). */
export const RETENTION_MS = 30 * 86_400_000;
const MAX_IPS = 16;

/** Novelty signals of one call (G3, rule match `novel`), judged before the call is learned. */
/**
 * country, numberType: a familiar account's first call to a country or number type · callerIp, accountIp: a
 * familiar caller or account calling from an address it began using within the last day · ipCaller, ipAccount: a
 * familiar address serving a caller or account it never served.
 */
export const NOVELTIES = ['country', 'numberType', 'callerIp', 'accountIp', 'ipCaller', 'ipAccount'] as const;
export type Novelty = (typeof NOVELTIES)[number];
/** A call's novelties as bits (no allocation per call): bit i is NOVELTIES[i]. */
export const noveltyBit = (n: Novelty): number => 1 << NOVELTIES.indexOf(n);
const COUNTRY = noveltyBit('country');
const NUMBER_TYPE = noveltyBit('numberType');
const CALLER_IP = noveltyBit('callerIp');
const ACCOUNT_IP = noveltyBit('accountIp');
const IP_CALLER = noveltyBit('ipCaller');
const IP_ACCOUNT = noveltyBit('ipAccount');
export const noveltiesOf = (bits: number): Novelty[] => NOVELTIES.filter((_, i) => (bits & (1 << i)) !== 0);

interface IpSite {
  firstSeen: number;
  lastSeen: number;
  readonly callers: Members;
  readonly accounts: Members;
}
interface AccountSite {
  firstSeen: number;
  lastSeen: number;
  readonly callers: Members;
  readonly countries: Set<string>;
  readonly types: Set<string>;
  ips: number[];
}
interface CallerSite {
  firstSeen: number;
  lastSeen: number;
  ips: number[];
}

/** What a scaled threshold is scaled by, and why (alerts explain themselves). */
export interface Baseline {
  readonly value: number;
  readonly from: string;
  /** The subject is a site shared by several established callers (an office or call centre behind NAT). */
  readonly shared?: boolean;
}

export type ColdStart = 'floor' | 'callers' | 'accounts' | 'peers';

const NEW_ACCOUNT_ON_IP: Baseline = { value: 0, from: 'none: this IP serves an account it did not serve before' };
/** EV12's five: this many callers new to a site within a minute are a burst, not colleagues. */
const FRESH_BURST = 5;
const FRESH_CALLERS: Baseline = { value: 0, from: 'none: a burst of callers this site never had' };
const TAINTED: Baseline = { value: 0, from: 'none: this site went far above its baseline earlier today' };
const NOTHING_LEARNED: Baseline = { value: 0, from: 'none: nothing learned yet' };
const SITE_CALLERS = 'site size: established callers (cold start)';
const SITE_ACCOUNTS = 'site size: established accounts (cold start)';
const PEERS_FROM = "peers: the account's callers around this hour, or earlier today";
const TODAY_FROM = "today's busiest earlier hour (nothing learned around this hour yet)";
const LEARNED_FROM = Array.from({ length: 48 }, (_, b) => `learned peak, ${b < 24 ? 'business' : 'closed'} days ${b % 24}h±1`);

const familiar = (site: { firstSeen: number } | undefined, t: number): boolean => site !== undefined && site.firstSeen <= t - FAMILIAR_AFTER_MS;

/**
 * Learned usage profiles (G3), in event time: who calls from each source IP (site size, EV12 behind NAT), what
 * each account dials, where each caller calls from, and the usual level of every `baseline: learned` rule per
 * subject, day class and hour. Pure and deterministic: the same CDRs in the same order learn the same profile.
 */
export class UsageBook {
  private readonly ips = new Map<string, IpSite>();
  private readonly accounts = new Map<string, AccountSite>();
  private readonly callers = new Map<string, CallerSite>();
  /** Sites that went far above their baseline, with the local day: their size does not count again that day. */
  private readonly tainted = new Map<string, number>();
  /** Learned levels per rule, then per subject key: the engine holds each rule's map, so a call builds no key string. */
  private readonly levels = new Map<string, Map<string, Levels>>();

  get size(): number {
    let levels = 0;
    for (const m of this.levels.values()) levels += m.size;
    return this.ips.size + this.accounts.size + this.callers.size + levels;
  }

  /** The learned levels of one rule, by subject key (tenant NUL value). */
  levelsOf(ruleId: string): Map<string, Levels> {
    let map = this.levels.get(ruleId);
    if (!map) this.levels.set(ruleId, (map = new Map<string, Levels>()));
    return map;
  }

  /** Learns the call and returns what was new about it; novelty needs a familiar subject (a cold start sees none). */
  /** `keys` are the engine's subject keys (tenant NUL value) of the call's account, caller and IP. */
  observe(e: CallEvent, keys: { readonly account: string; readonly caller: string; readonly ip: string | undefined }): number {
    let novel = 0;
    const t = e.t;
    const ipHash = e.ip === undefined ? undefined : hash32(e.ip);
    const callerHash = hash32(e.caller);
    const accountHash = hash32(e.account);
    const accountKey = keys.account;
    let account = this.accounts.get(accountKey);
    if (!account)
      this.accounts.set(accountKey, (account = { firstSeen: t, lastSeen: t, callers: new Members(), countries: new Set(), types: new Set(), ips: [] }));
    else this.touch(account, t);
    const region = e.callee?.region ?? null;
    if (e.international && region !== null && !account.countries.has(region)) {
      if (familiar(account, t)) novel |= COUNTRY;
      account.countries.add(region);
    }
    if (e.callee && !account.types.has(e.callee.type)) {
      if (familiar(account, t)) novel |= NUMBER_TYPE;
      account.types.add(e.callee.type);
    }
    account.callers.see(callerHash, t);
    const callerKey = keys.caller;
    let caller = this.callers.get(callerKey);
    if (!caller) this.callers.set(callerKey, (caller = { firstSeen: t, lastSeen: t, ips: [] }));
    else this.touch(caller, t);
    if (ipHash !== undefined) {
      if (remember(caller.ips, ipHash, t) > t - FAMILIAR_AFTER_MS && familiar(caller, t)) novel |= CALLER_IP;
      if (remember(account.ips, ipHash, t) > t - FAMILIAR_AFTER_MS && familiar(account, t)) novel |= ACCOUNT_IP;
      const ipKey = keys.ip as string;
      let ip = this.ips.get(ipKey);
      if (!ip) this.ips.set(ipKey, (ip = { firstSeen: t, lastSeen: t, callers: new Members(), accounts: new Members() }));
      else this.touch(ip, t);
      const known = familiar(ip, t);
      if (ip.callers.see(callerHash, t) && known) novel |= IP_CALLER;
      if (ip.accounts.see(accountHash, t) && known) novel |= IP_ACCOUNT;
    }
    return novel;
  }

  /**
   * The baseline a rule with `baseline:` scales its thresholds by, for the subject under `key` (tenant NUL
   * value): its learned peak around this hour once a day of this class is known; before that, for `site`, the
   * site's size (established callers, or accounts), else nothing (the floors hold). A familiar IP serving an
   * account it did not serve yesterday gets none: the seed's strict threshold holds (EV12).
   */
  baseline(levels: Levels | undefined, kind: string, key: string, coldStart: ColdStart, e: CallEvent, at: HourClass, peers?: Map<string, Levels>): Baseline {
    if (kind === 'ip') {
      const ip = this.ips.get(key);
      if (familiar(ip, e.t)) {
        const since = ip?.accounts.firstSeen(hash32(e.account));
        if (since !== undefined && since > e.t - FAMILIAR_AFTER_MS) return { ...NEW_ACCOUNT_ON_IP, shared: (ip?.callers.established(e.t) ?? 0) >= 2 };
      }
    }
    const learnedFrom = LEARNED_FROM[at.dayClass * 24 + at.hour] as string;
    if (coldStart === 'floor') {
      const peak = levels?.peak(at);
      return peak === undefined ? NOTHING_LEARNED : { value: peak, from: learnedFrom };
    }
    if (coldStart === 'peers') {
      const peak = levels?.peak(at);
      if (peak !== undefined) return { value: peak, from: learnedFrom };
      const peer = peers?.get(`${e.tenant}\u0000${e.account}`)?.recent(at);
      return peer === undefined ? NOTHING_LEARNED : { value: peer, from: PEERS_FROM };
    }
    const site = kind === 'ip' ? this.ips.get(key) : kind === 'account' ? this.accounts.get(key) : undefined;
    // a familiar site suddenly getting callers it never had (EV12's five within a minute): not colleagues, strictly
    if (site && kind === 'ip' && familiar(site, e.t) && site.callers.fresh(e.t) >= FRESH_BURST) return FRESH_CALLERS;
    if (this.tainted.get(key) === at.day) return TAINTED;
    const established = site?.callers.established(e.t) ?? 0;
    const shared = established >= 2;
    const recent = levels?.recent(at);
    if (recent !== undefined) return { value: recent, from: levels?.peak(at) === recent ? learnedFrom : TODAY_FROM, shared };
    if (!site) return NOTHING_LEARNED;
    // the site's first hour: nothing learned of it yet, its size stands in (established callers, or accounts)
    const members = coldStart === 'accounts' && 'accounts' in site ? site.accounts.established(e.t) : established;
    return { value: members, from: coldStart === 'accounts' ? SITE_ACCOUNTS : SITE_CALLERS, shared };
  }

  /** A site went far above its baseline today: its callers may be an attacker's, so its size no longer counts. */
  taint(key: string, day: number): void {
    this.tainted.set(key, day);
  }

  /** Learns a rule's measure for a subject (the engine never passes a value that fired critical). */
  learn(levels: Map<string, Levels>, key: string, at: HourClass, value: number): void {
    let l = levels.get(key);
    if (!l) levels.set(key, (l = new Levels()));
    l.learn(at, value);
  }

  /** The peer levels of a `baseline: peers` rule: per account, what its callers reach (today included). */
  peersOf(ruleId: string): Map<string, Levels> {
    return this.levelsOf(`${ruleId}#peers`);
  }

  hourOf(e: CallEvent): HourClass {
    return hourClass(e.profile.calendar, e.t);
  }

  /** Forgets subjects idle for RETENTION_MS before `horizonOf(key)` and their learned levels. */
  trim(horizonOf: (key: string) => number): void {
    for (const map of [this.ips, this.accounts] as Map<string, { lastSeen: number }>[]) {
      for (const [key, site] of map) if (site.lastSeen < horizonOf(key) - RETENTION_MS) map.delete(key);
    }
    for (const [key, site] of this.callers) if (site.lastSeen < horizonOf(key) - RETENTION_MS) this.callers.delete(key);
    for (const [key, site] of this.ips) {
      site.callers.trim(horizonOf(key) - RETENTION_MS);
      site.accounts.trim(horizonOf(key) - RETENTION_MS);
    }
    for (const [key, site] of this.accounts) site.callers.trim(horizonOf(key) - RETENTION_MS);
    for (const [key, day] of this.tainted) if ((day + 2) * 86_400_000 < horizonOf(key)) this.tainted.delete(key);
    for (const map of this.levels.values()) {
      for (const key of map.keys()) if (!this.ips.has(key) && !this.accounts.has(key) && !this.callers.has(key)) map.delete(key);
    }
  }

  private touch(site: { firstSeen: number; lastSeen: number }, t: number): void {
    if (t < site.firstSeen) site.firstSeen = t;
    if (t > site.lastSeen) site.lastSeen = t;
  }

  /**
   * The profiles of these tenants, one snapshot each (stored per tenant: a tenant is one stream, one partition),
   * in one pass over the maps; `through` gives each tenant's newest call end learned.
   */
  snapshots(through: ReadonlyMap<string, number>): UsageSnapshot[] {
    const out = new Map<string, { ips: IpRow[]; accounts: AccountRow[]; callers: CallerRow[]; levels: [string, LevelsSnapshot][] }>();
    for (const tenant of through.keys()) out.set(tenant, { ips: [], accounts: [], callers: [], levels: [] });
    const of = (key: string) => out.get(key.slice(0, key.indexOf('\u0000')));
    for (const [k, s] of this.ips) of(k)?.ips.push([k, s.firstSeen, s.lastSeen, s.callers.toJSON(), s.accounts.toJSON()]);
    for (const [k, s] of this.accounts) of(k)?.accounts.push([k, s.firstSeen, s.lastSeen, s.callers.toJSON(), [...s.countries], [...s.types], s.ips]);
    for (const [k, s] of this.callers) of(k)?.callers.push([k, s.firstSeen, s.lastSeen, s.ips]);
    for (const [rule, map] of this.levels) for (const [k, l] of map) of(k)?.levels.push([`${rule}\u0000${k}`, l.toJSON()]);
    return [...out].map(([tenant, rows]) => ({ version: 1, tenant, through: through.get(tenant) as number, ...rows }));
  }

  /** Loads a tenant's snapshot, replacing what was learned of that tenant. */
  restore(s: UsageSnapshot): void {
    for (const [k, first, last, callers, accounts] of s.ips) {
      this.ips.set(k, { firstSeen: first, lastSeen: last, callers: Members.from(callers), accounts: Members.from(accounts) });
    }
    for (const [k, first, last, callers, countries, types, ips] of s.accounts) {
      this.accounts.set(k, {
        firstSeen: first,
        lastSeen: last,
        callers: Members.from(callers),
        countries: new Set(countries),
        types: new Set(types),
        ips: [...ips],
      });
    }
    for (const [k, first, last, ips] of s.callers) this.callers.set(k, { firstSeen: first, lastSeen: last, ips: [...ips] });
    for (const [k, l] of s.levels) {
      const cut = k.indexOf('\u0000');
      this.levelsOf(k.slice(0, cut)).set(k.slice(cut + 1), Levels.from(l));
    }
  }
}

/**
 * Records `ip` in a short list of recent addresses with when each was first used, flat as [ip, since, ip, since…]
 * (most recent first); returns since when the address has been used (novelty lasts a day, not one call).
 */
function remember(ips: number[], ip: number, t: number): number {
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

type MemberRows = readonly (readonly [number, number, number])[];
type IpRow = readonly [string, number, number, MemberRows, MemberRows];
type AccountRow = readonly [string, number, number, MemberRows, readonly string[], readonly string[], readonly number[]];
type CallerRow = readonly [string, number, number, readonly number[]];
export interface UsageSnapshot {
  readonly version: 1;
  readonly tenant: string;
  /** The newest call end learned: a rebuild replaying CDRs that ended by then does not learn them twice. */
  readonly through: number;
  readonly ips: readonly IpRow[];
  readonly accounts: readonly AccountRow[];
  readonly callers: readonly CallerRow[];
  readonly levels: readonly (readonly [string, LevelsSnapshot])[];
}
