import { Levels, type LevelsSnapshot } from './levels.js';
import type { LevelSlot } from './usage-book.js';
import { asHash30 } from '../hash.js';
import { Members } from './sites.js';
import {
  accountSite,
  callerSite,
  ipSite,
  minuteOf,
  typeBits,
  type AccountSite,
  type CallerSite,
  type IpSite,
  type Subject,
  type SubjectKind,
} from './subjects.js';

type MemberRows = readonly (readonly [number, number, number])[];
export type IpRow = readonly [string, number, number, MemberRows, MemberRows];
/** The last element, countries first dialled within a day (flat [region, since…]), is absent in older snapshots. */
export type AccountRow = readonly [
  string,
  number,
  number,
  MemberRows,
  readonly string[],
  readonly string[],
  readonly number[],
  (readonly (string | number)[] | undefined)?,
];
export type CallerRow = readonly [string, number, number, readonly number[]];
/** A subject that went far above its baseline: its kind, key and the local day. */
export type TaintRow = readonly [SubjectKind, string, number];

/** One tenant's learned usage profiles as stored (one row per tenant: a tenant is one stream, one partition). */
export interface UsageSnapshot {
  readonly version: 1;
  readonly tenant: string;
  /** The newest call end learned: a rebuild replaying CDRs that ended by then does not learn them twice. */
  readonly through: number;
  /** Ids of the CDRs that ended exactly at `through` and were learned (absent in older snapshots). */
  readonly throughIds?: readonly string[];
  readonly ips: readonly IpRow[];
  readonly accounts: readonly AccountRow[];
  readonly callers: readonly CallerRow[];
  /** [rule id NUL subject key, levels] */
  readonly levels: readonly (readonly [string, LevelsSnapshot])[];
  /** Absent in snapshots stored before taints were kept. */
  readonly tainted?: readonly TaintRow[];
  /**
   * [account key, network, since…]: the networks each account took up (networks.ts, novelty accountIp); absent in
   * snapshots stored before (an account's earlier networks are then unknown: its next new address counts as new).
   */
  readonly networks?: readonly (readonly [string, ...number[]])[];
  /** Accounts' outbound cost per local day and month and usual daily cost (MoneyBook rows; issue 16 money caps). */
  readonly money?: readonly (readonly [string, ...number[]])[];
}

/** The book's state the snapshots read and restore. */
export interface UsageMaps {
  readonly ips: Map<string, IpSite>;
  readonly accounts: Map<string, AccountSite>;
  readonly callers: Map<string, CallerSite>;
  readonly slots: ReadonlyMap<string, LevelSlot>;
}

export const KINDS = ['ip', 'account', 'caller'] as const;
export const mapOf = (m: UsageMaps, kind: SubjectKind): Map<string, Subject> => (kind === 'ip' ? m.ips : kind === 'account' ? m.accounts : m.callers);

/** Loads a tenant's snapshot, replacing what was learned of its subjects; levels of rules not registered are dropped. */
export function restoreSnapshot(m: UsageMaps, s: UsageSnapshot): void {
  for (const [k, first, last, callers, accounts] of s.ips) {
    m.ips.set(k, ipSite(first, minuteOf(last), Members.from(callers), Members.from(accounts)));
  }
  for (const [k, first, last, callers, countries, types, ips, recent] of s.accounts) {
    const recentCountries = recent && recent.length > 0 ? [...recent] : undefined;
    m.accounts.set(k, accountSite(first, minuteOf(last), Members.from(callers), new Set(countries), typeBits(types), rehashed(ips), [], recentCountries));
  }
  for (const [k, ...nets] of s.networks ?? []) {
    const site = m.accounts.get(k);
    if (site) site.nets = nets;
  }
  for (const [k, first, last, ips] of s.callers) m.callers.set(k, callerSite(first, minuteOf(last), rehashed(ips)));
  for (const [k, l] of s.levels) {
    const cut = k.indexOf('\u0000');
    const slot = m.slots.get(k.slice(0, cut));
    const owner = slot && mapOf(m, slot.kind).get(k.slice(cut + 1));
    if (!slot || !owner) continue;
    const all = (owner.levels ??= []);
    while (all.length <= slot.index) all.push(undefined);
    all[slot.index] = Levels.from(l);
  }
  for (const [kind, k, day] of s.tainted ?? []) {
    const owner = mapOf(m, kind).get(k);
    if (owner) owner.taintedDay = day;
  }
}

/** A stored [ip, since, …] list with its hashes as hash30 gives them (older snapshots stored 32 bits). */
const rehashed = (ips: readonly number[]): number[] => ips.map((v, i) => (i % 2 === 0 ? asHash30(v) : v));
