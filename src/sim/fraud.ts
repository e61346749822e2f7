import { makeCall, type Call, type Outcome } from './calls.js';
import type { SiteKind } from './config.js';
import type { Budget } from './budgets.js';
import type { Caps } from './caps.js';
import type { EpisodeType, LabelSubject } from './labels.js';
import { COUNTRIES, countryNumber, dialled, type Dest } from './numbering.js';
import type { Allocator, Line, Population, Site } from './population.js';
import type { Rng } from './prng.js';
import { at, type SimDay } from './time.js';

export interface EpisodeDraft {
  readonly type: EpisodeType;
  readonly description: string;
  readonly tenant: string;
  readonly calls: Call[];
  readonly acceptable: LabelSubject[];
  /** This episode's own budget (e.g. its victim's money cap), instead of its type's in budgets.ts. */
  readonly budget?: Budget;
  /** Money caps of the victim's account (the profile gets them, also where the operator set none: an open office). */
  readonly caps?: Caps;
}

export interface FraudContext {
  readonly rng: Rng;
  readonly days: readonly SimDay[];
  readonly periodEnd: number;
  readonly pop: Population;
  readonly alloc: Allocator;
  /** Index of the episode being made (its calls carry it). */
  readonly index: number;
  /** Accounts already attacked: each episode gets a victim of its own while there are enough. */
  readonly used: Set<string>;
  /** Offices with international open to every country and an exporter that writes no cost (the issue-16 victims). */
  readonly open?: readonly Site[];
}

/** An episode generator: the attack it plays and the shipped rules it was shaped for (empty: built to slip under them). */
export interface EpisodeKind {
  readonly type: EpisodeType;
  readonly targets: readonly string[];
  readonly make: (ctx: FraudContext) => EpisodeDraft;
}

export type When = 'business' | 'evening' | 'night' | 'holiday';

/**
 * A start time: business (a business day, within `hours`), evening, night (after midnight), or holiday (a national
 * holiday's daytime; a Sunday, then a night, when the period has none).
 */
export function when(ctx: FraudContext, w: When, hours?: readonly [number, number]): number {
  const { rng, days } = ctx;
  const ofType = (t: SimDay['type']) => days.filter((d) => d.type === t);
  if (w === 'holiday') {
    const day = ofType('holiday')[0] ?? ofType('sunday')[0];
    if (day) return at(day, rng.between(...(hours ?? [10, 14])));
    return when(ctx, 'night');
  }
  const pool = w === 'business' ? ofType('business') : days;
  const day = rng.pick(pool.length > 0 ? pool : days);
  const range = hours ?? (w === 'business' ? [9, 16.5] : w === 'evening' ? [19, 21.5] : [0.5, 3.5]);
  return at(day, rng.between(range[0], range[1]));
}

/** A victim site of one of `kinds` with at least `minLines` lines, not attacked yet if possible. */
export function victim(ctx: FraudContext, kinds: readonly SiteKind[], test: (s: Site) => boolean = () => true): Site {
  const { rng, pop, used } = ctx;
  const fit = pop.sites.filter((s) => kinds.includes(s.kind) && test(s));
  const fresh = fit.filter((s) => !used.has(`${s.tenant}/${s.account}`));
  const any = pop.sites.filter((s) => kinds.includes(s.kind));
  const site = rng.pick(fresh.length > 0 ? fresh : fit.length > 0 ? fit : any.length > 0 ? any : pop.sites);
  used.add(`${site.tenant}/${site.account}`);
  return site;
}

export const OFFICES: readonly SiteKind[] = ['sme-office', 'intl-office'];

export interface Origin {
  readonly site: Site;
  /** The source address: the site's own (a compromised PBX) or the attacker's. */
  readonly ip: string;
}

export function fraudCall(ctx: FraudContext, o: Origin, caller: string, dest: Dest, start: number, out: Outcome): Call {
  const callee = o.ip === o.site.ip ? dialled(ctx.rng, dest, o.site.dialStyle, o.site.ddd) : (dest.e164 ?? dest.digits);
  return makeCall({ tenant: o.site.tenant, account: o.site.account, caller, callee, dest, srcIp: o.ip, start, episode: ctx.index }, out);
}

export function allowedDest(ctx: FraudContext, site: Site): Dest {
  const code = ctx.rng.pick(site.intl?.countries ?? ['US']);
  return countryNumber(ctx.rng, COUNTRIES[code] as (typeof COUNTRIES)[string]);
}

/** caller, account and (when the attacker's own) ip subjects; never the site's shared NAT address. */
export function subjects(o: Origin, callers: Iterable<string>, extra: readonly LabelSubject[] = []): LabelSubject[] {
  const out: LabelSubject[] = [{ kind: 'account', value: o.site.account }];
  for (const c of new Set(callers)) out.push({ kind: 'caller', value: c });
  if (o.ip !== o.site.ip) out.push({ kind: 'ip', value: o.ip });
  const seen = new Set(out.map((s) => `${s.kind}:${s.value}`));
  for (const s of extra) {
    if (seen.has(`${s.kind}:${s.value}`)) continue;
    seen.add(`${s.kind}:${s.value}`);
    out.push(s);
  }
  return out;
}

export function who(site: Site, line?: Line): string {
  return `${site.tenant}/${site.account}${line ? ` ext. ${line.ext} (${line.did})` : ''}`;
}
