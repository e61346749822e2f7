import type { CallEvent } from '../engine/event.js';
import { hourClass, type HourClass } from './hour-class.js';
import { Levels } from './levels.js';
import { noveltyBit } from './novelty.js';
import { hash30 } from '../hash.js';
import { tookUpNetwork } from './networks.js';
import { FIRST_SITE_CALLERS, Members } from './sites.js';
import { isRecentCountry, rememberCountry, WATCHED_AFTER_MS } from './recent-countries.js';
import {
  FAMILIAR_AFTER_MS,
  accountSite,
  callerSite,
  familiar,
  ipSite,
  minuteOf,
  remember,
  touch,
  typeBit,
  type AccountSite,
  type CallerSite,
  type IpSite,
  type Subject,
  type SubjectKind,
} from './subjects.js';
import { UsageCapture } from './usage-capture.js';
import { restoreSnapshot, type UsageSnapshot } from './usage-snapshot.js';
import type { Baseline, ColdStart, LearningCall, LevelSlot } from './usage-types.js';
import { DEFAULT_MAX_SUBJECTS, forgetIdle, makeRoom } from './subject-cap.js';

const COUNTRY = noveltyBit('country');
const NUMBER_TYPE = noveltyBit('numberType');
const CALLER_IP = noveltyBit('callerIp');
const ACCOUNT_IP = noveltyBit('accountIp');
const IP_CALLER = noveltyBit('ipCaller');
const IP_ACCOUNT = noveltyBit('ipAccount');
const RECENT_COUNTRY = noveltyBit('recentCountry');

export type { Baseline, ColdStart, LearningCall, LevelSlot } from './usage-types.js';

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

/**
 * Learned usage profiles (G3), in event time: who calls from each source IP (site size, EV12 behind NAT), what
 * each account dials, where each caller calls from, and the usual level of every `baseline:` rule per subject,
 * day class and hour, kept in the subject's own record. Pure and deterministic: the same CDRs in the same order
 * learn the same profile.
 */
export class UsageBook {
  private readonly ips = new Map<string, IpSite>();
  private readonly accounts = new Map<string, AccountSite>();
  private readonly callers = new Map<string, CallerSite>();
  private readonly slots = new Map<string, LevelSlot>();
  private readonly tenantSince = new Map<string, number>();
  private readonly slotCount: Record<SubjectKind, number> = { ip: 0, account: 0, caller: 0 };
  readonly dropped: Record<SubjectKind, number> = { ip: 0, account: 0, caller: 0 }; // by the cap, to make room (a metric)
  /** The subjects of the call observed last: the rules judging that call read and learn them without a lookup. */
  private ip: IpSite | undefined;
  private account: AccountSite | undefined;
  private caller: CallerSite | undefined;
  private accountHash = 0;
  /** The observed call's subject keys, kept while a capture is under way (learn and taint hand it the subject). */
  private readonly keys = { account: '', caller: '', ip: '' };
  /** A snapshot being taken a slice at a time: subjects are handed to it before they change (usage-capture.ts). */
  private capturing: UsageCapture | undefined;

  /** `maxSubjects`: of each kind (see subject-cap.ts). */
  constructor(private readonly maxSubjects = DEFAULT_MAX_SUBJECTS) {}

  /** Subjects with a profile: IP addresses, accounts and callers (their learned levels included). */
  get size(): number {
    return this.ips.size + this.accounts.size + this.callers.size;
  }

  /** Registers a rule's levels (idempotent): kept per subject of `kind`, under the rule's id in snapshots. */
  levelSlot(id: string, kind: SubjectKind): LevelSlot {
    let slot = this.slots.get(id);
    if (!slot) this.slots.set(id, (slot = { id, kind, index: this.slotCount[kind]++ }));
    return slot;
  }

  /**
   * Learns the call and returns what was new about it; novelty needs a familiar subject (a cold start sees none,
   * but for `accountIp` on an account's first day once it has a site, see networks.ts).
   * `keys` are the engine's subject keys (tenant NUL value) of the call's account, caller and IP.
   */
  observe(e: CallEvent, keys: { readonly account: string; readonly caller: string; readonly ip: string | undefined }): number {
    let novel = 0;
    const t = e.t;
    const callerHash = hash30(e.caller);
    const accountHash = hash30(e.account);
    const capturing = this.capturing;
    let account = this.accounts.get(keys.account);
    if (!account) {
      this.room(this.accounts, 'account');
      account = accountSite(t, minuteOf(t), new Members(), new Set(), 0, [], []);
      this.accounts.set(keys.account, account);
      capturing?.exclude(account);
      this.seeTenant(e.tenant, t);
    } else {
      capturing?.keep('account', keys.account, account);
      touch(account, t);
    }
    const region = e.callee?.region ?? null;
    if (e.international && region !== null && !account.countries.has(region)) {
      if (familiar(account, t)) novel |= COUNTRY;
      if (account.firstSeen <= t - WATCHED_AFTER_MS) {
        novel |= RECENT_COUNTRY;
        account.recentCountries = rememberCountry(account.recentCountries, region, t);
      }
      account.countries.add(region);
    } else if (account.recentCountries !== undefined && region !== null && isRecentCountry(account.recentCountries, region, t)) novel |= RECENT_COUNTRY;
    const type = e.callee ? typeBit(e.callee.type) : 0;
    if ((account.types & type) !== type) {
      if (familiar(account, t)) novel |= NUMBER_TYPE;
      account.types |= type;
    }
    account.callers.see(callerHash, t);
    let caller = this.callers.get(keys.caller);
    if (!caller) {
      this.room(this.callers, 'caller');
      this.callers.set(keys.caller, (caller = callerSite(t, minuteOf(t), [])));
      capturing?.exclude(caller);
    } else {
      capturing?.keep('caller', keys.caller, caller);
      touch(caller, t);
    }
    let ip: IpSite | undefined;
    if (keys.ip !== undefined && e.ip !== undefined) {
      const ipHash = hash30(e.ip);
      if (remember(caller.ips, ipHash, t) > t - FAMILIAR_AFTER_MS && familiar(caller, t)) novel |= CALLER_IP;
      if (remember(account.ips, ipHash, t) > t - FAMILIAR_AFTER_MS && tookUpNetwork(account, ipHash, e.ip, t)) novel |= ACCOUNT_IP;
      ip = this.ips.get(keys.ip);
      if (!ip) {
        this.room(this.ips, 'ip');
        this.ips.set(keys.ip, (ip = ipSite(t, minuteOf(t), new Members(), new Members())));
        capturing?.exclude(ip);
      } else {
        capturing?.keep('ip', keys.ip, ip);
        touch(ip, t);
      }
      const known = familiar(ip, t);
      if (ip.callers.see(callerHash, t) && known) novel |= IP_CALLER;
      if (ip.accounts.see(accountHash, t) && known) novel |= IP_ACCOUNT;
    }
    this.ip = ip;
    this.account = account;
    this.caller = caller;
    this.accountHash = accountHash;
    if (capturing) {
      this.keys.account = keys.account;
      this.keys.caller = keys.caller;
      this.keys.ip = keys.ip ?? '';
    }
    return novel;
  }

  /** The observed call's learned levels for `slot`, if any. */
  levels(slot: LevelSlot): Levels | undefined {
    return this.subject(slot.kind)?.levels?.[slot.index];
  }

  /** Learns a value of the observed call for `slot` (the engine never passes one that fired critical). */
  learn(slot: LevelSlot, at: HourClass, value: number): void {
    const subject = this.subject(slot.kind);
    if (!subject) return;
    this.capturing?.keep(slot.kind, this.keys[slot.kind], subject);
    const all = (subject.levels ??= []);
    let levels = all[slot.index];
    if (!levels) {
      while (all.length <= slot.index) all.push(undefined);
      all[slot.index] = levels = new Levels();
    }
    levels.learn(at, value);
  }

  /**
   * The baseline a rule with `baseline:` scales its thresholds by, for the observed call's subject of the slot's
   * kind: its learned peak around this hour once a day of this class is known; before that, for `site`, the
   * site's size (established callers, or accounts); for `peers`, what the account's callers reach; else nothing
   * (the floors hold). A familiar IP serving an account it did not serve yesterday gets none: the seed's strict
   * threshold holds (EV12).
   */
  baseline(slot: LevelSlot, coldStart: ColdStart, call: LearningCall, peers?: LevelSlot): Baseline {
    const { e, at } = call;
    const ip = slot.kind === 'ip' ? this.ip : undefined;
    if (ip && familiar(ip, e.t)) {
      const since = ip.accounts.firstSeen(this.accountHash);
      if (since !== undefined && since > e.t - FAMILIAR_AFTER_MS) return { ...NEW_ACCOUNT_ON_IP, shared: ip.callers.established(e.t) >= 2 };
    }
    const levels = this.levels(slot);
    const learnedFrom = LEARNED_FROM[at.dayClass * 24 + at.hour] as string;
    const peak = levels?.peak(at);
    if (coldStart === 'floor') return peak === undefined ? NOTHING_LEARNED : { value: peak, from: learnedFrom };
    if (coldStart === 'peers') {
      if (peak !== undefined) return { value: peak, from: learnedFrom };
      const peer = peers ? this.levels(peers)?.recent(at) : undefined;
      return peer === undefined ? NOTHING_LEARNED : { value: peer, from: PEERS_FROM };
    }
    const site = ip ?? (slot.kind === 'account' ? this.account : undefined);
    // a familiar site suddenly getting callers it never had (EV12's five within a minute): not colleagues, strictly
    if (ip && familiar(ip, e.t) && ip.callers.fresh(e.t) >= FRESH_BURST) return FRESH_CALLERS;
    if (this.subject(slot.kind)?.taintedDay === at.day) return TAINTED;
    const established = site?.callers.established(e.t) ?? 0;
    const opening = established < 2 && ip !== undefined && this.firstAddress(ip, e);
    const shared = established >= 2 || opening;
    const recent = levels?.recent(at, peak);
    if (recent !== undefined) return { value: recent, from: peak === recent ? learnedFrom : TODAY_FROM, shared, opening };
    if (!site) return NOTHING_LEARNED;
    // the site's first hour: nothing learned of it yet, its size stands in (established callers, or accounts)
    const members = coldStart === 'accounts' && 'accounts' in site ? site.accounts.established(e.t) : established;
    return { value: members, from: coldStart === 'accounts' ? SITE_ACCOUNTS : SITE_CALLERS, shared, opening };
  }

  /**
   * A site opening on the tenant's first day here (Sentinela just deployed, or the customer just connected): in
   * business hours, an address never seen before, serving one account whose only address it is, with several
   * callers behind it: a call centre's first minute, not an intruder. An attacker arrives on a second address of a
   * known account, uses several accounts, comes at night, or comes after the tenant's first day (a dormant or new
   * account then stays strict): those keep EV12's 5. The opening is warned about up to OPENING_CEILING × the
   * thresholds, and blocked beyond (the callers' and the account's own rules block as ever).
   */
  private firstAddress(ip: IpSite, e: CallEvent): boolean {
    // as of the call's end, when its CDR arrives: the calls of the burst have started by then
    const t = e.end;
    const since = this.tenantSince.get(e.tenant);
    if (since === undefined || e.t - since >= FAMILIAR_AFTER_MS) return false;
    if (e.offHours || familiar(ip, e.t) || ip.accounts.seenBy(t, 2) !== 1 || ip.callers.seenBy(t, FIRST_SITE_CALLERS) < FIRST_SITE_CALLERS) return false;
    // the account's only address by then (`ips` holds [address, first used] pairs; the call's own is first)
    const ips = this.account?.ips ?? [];
    for (let i = 2; i < ips.length; i += 2) if ((ips[i + 1] as number) <= t) return false;
    return true;
  }

  /** The observed call's subject of `kind` went far above its baseline today: its callers may be an attacker's. */
  taint(kind: SubjectKind, day: number): void {
    const subject = this.subject(kind);
    if (subject) this.capturing?.keep(kind, this.keys[kind], subject);
    // only ever forward: a replayed or late call of an earlier day does not clear today's alarm
    if (subject && day > subject.taintedDay) subject.taintedDay = day;
  }

  hourOf(e: CallEvent): HourClass {
    return hourClass(e.profile.calendar, e.t);
  }

  /** Forgets subjects idle for RETENTION_MS before `horizonOf(key)`, with their learned levels. */
  trim(horizonOf: (key: string) => number): void {
    this.capturing?.step(Infinity); // a capture under way takes its subjects before they are dropped
    this.ip = this.account = this.caller = undefined;
    forgetIdle(this.ips, this.accounts, this.callers, horizonOf);
  }

  /** The profiles of these tenants, one snapshot each; `through` gives each tenant's newest call end learned. */
  snapshots(through: ReadonlyMap<string, number>): UsageSnapshot[] {
    return this.beginSnapshot(through).step(Infinity) as UsageSnapshot[];
  }

  /** The same snapshots taken a slice at a time (`step`) while calls go on being learned: exactly the state now. */
  beginSnapshot(through: ReadonlyMap<string, number>): UsageCapture {
    this.capturing?.step(Infinity); // one capture at a time: the one under way finishes first
    const maps = { ips: this.ips, accounts: this.accounts, callers: this.callers, slots: this.slots };
    return (this.capturing = new UsageCapture(maps, through, () => (this.capturing = undefined)));
  }

  /** Loads a tenant's snapshot, replacing what was learned of that tenant (levels of unknown rules are dropped). */
  restore(s: UsageSnapshot): void {
    this.capturing?.step(Infinity); // a capture under way takes its subjects before they are replaced
    this.ip = this.account = this.caller = undefined;
    restoreSnapshot({ ips: this.ips, accounts: this.accounts, callers: this.callers, slots: this.slots }, s);
    for (const row of s.accounts) this.seeTenant(s.tenant, row[1]);
  }

  /** The tenant's first account seen here (event time): a site opening is judged only within its first day. */
  private seeTenant(tenant: string, t: number): void {
    const since = this.tenantSince.get(tenant);
    if (since === undefined || t < since) this.tenantSince.set(tenant, t);
  }

  /** A new subject is coming: a full map of its kind makes room first. */
  private room(map: Map<string, Subject>, kind: SubjectKind): void {
    if (map.size < this.maxSubjects) return;
    const capturing = this.capturing; // takes each subject dropped first
    this.dropped[kind] += makeRoom(map, this.maxSubjects, capturing && ((key, s) => capturing.keep(kind, key, s)));
  }

  private subject(kind: SubjectKind): Subject | undefined {
    return kind === 'ip' ? this.ip : kind === 'account' ? this.account : this.caller;
  }
}
