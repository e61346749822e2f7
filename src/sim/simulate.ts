import { addLocalDays, localInstant } from '../domain/calendar/local-time.js';
import { cdrLine, type Call } from './calls.js';
import { SIM_CONFIG, type PopulationKind } from './config.js';
import { CLASSIC } from './fraud-classic.js';
import { DESTINATION } from './fraud-destination.js';
import { EVASIVE } from './fraud-evasive.js';
import { MONEY } from './fraud-money.js';
import type { EpisodeDraft, EpisodeKind } from './fraud.js';
import { BUDGETS } from './budgets.js';
import { MONEY_CAP } from './fraud-cap.js';
import { hash32 } from '../domain/hash.js';
import type { LabelsInput, LateDelivery, LegitSubject } from './labels.js';
import { callCentreTraffic, inboundTraffic, trunkTraffic } from './legit-bulk.js';
import { clientsAbroadTraffic, deskTraffic, eveningFamilyTraffic, familyTraffic, quickCallTraffic, typoTraffic } from './legit-extra.js';
import { remoteWork } from './legit-remote.js';
import { internationalTraffic, officeTraffic, onCallTraffic, salesTraffic, type TrafficContext } from './legit-offices.js';
import { Allocator, buildPopulation, type Population, type Site } from './population.js';
import { Rng } from './prng.js';
import { simulatedProfiles } from './profiles.js';
import { MINUTE, LocalIso, at, simDays, type SimDay } from './time.js';
import { TRADE_COUNTRIES } from './numbering.js';

/** The first 18 kinds draw from the simulation's rng; issue 16's (MONEY) from rngs of their own, shifting nothing. */
const COUNTING_KINDS: readonly EpisodeKind[] = [...CLASSIC, ...DESTINATION, ...EVASIVE];
export const EPISODE_KINDS: readonly EpisodeKind[] = [...COUNTING_KINDS, ...MONEY, MONEY_CAP];
/** An rng of its own for one part added later: a pure function of the seed and the label. */
const detached = (seed: number, label: string) => new Rng((seed ^ hash32(label)) >>> 0);
/** Share of the SME offices not attacked by the first 18 kinds that have international open and CDRs without cost. */
const OPEN_SHARE = 0.4;
const MIN_OPEN = 4;

export interface SimOptions {
  readonly seed: number;
  readonly days: number;
  /** Local start date, YYYY-MM-DD (default SIM_CONFIG.startDate). */
  readonly start?: string;
  readonly scale?: number;
  /** The rules directory's profiles, whose escalation and global lists the simulated profiles keep. */
  readonly profilesBase?: Record<string, unknown>;
  readonly progress?: (message: string) => void;
}

export interface SimSummary {
  readonly cdrs: number;
  readonly legit: number;
  readonly fraud: number;
  readonly late: number;
  readonly fraudCost: number;
  /** Legitimate subjects per population kind and subject kind. */
  readonly subjects: Record<string, Record<string, number>>;
  readonly episodes: Record<string, number>;
}

export interface Simulation {
  /** Canonical CDR lines in delivery order. */
  readonly lines: string[];
  readonly labels: LabelsInput;
  readonly profiles: Record<string, unknown>;
  readonly summary: SimSummary;
  readonly population: Population;
}

/** Labelled traffic of a Brazilian VoIP operator: a pure function of the options (same options, same bytes). */
export function simulate(o: SimOptions): Simulation {
  const zone = SIM_CONFIG.timeZone;
  const rng = new Rng(o.seed);
  const days = simDays(o.start ?? SIM_CONFIG.startDate, o.days, zone);
  const last = days[days.length - 1] as SimDay;
  const periodStart = (days[0] as SimDay).start;
  const periodEnd = localInstant(addLocalDays(last.date, 1), 0, zone);
  const alloc = new Allocator(rng.fork('alloc'));
  const pop = buildPopulation(rng.fork('population'), o.scale ?? 1, alloc);
  const progress = o.progress ?? (() => undefined);

  const calls: Call[] = [];
  for (const [i, site] of pop.sites.entries()) {
    const ctx: TrafficContext = { rng: rng.fork(`site:${site.tenant}/${site.account}`), days, periodEnd, out: calls };
    legitTraffic(ctx, site, pop);
    if (i % 10 === 9) progress(`simulate: ${i + 1}/${pop.sites.length} sites, ${calls.length} calls`);
  }
  const drafts: EpisodeDraft[] = [];
  const used = new Set<string>();
  const rounds = Math.ceil(o.days / 7);
  for (let round = 0; round < rounds; round++) {
    for (const kind of COUNTING_KINDS) {
      const index = drafts.length;
      const draft = kind.make({ rng: rng.fork(`episode:${index}`), days, periodEnd, pop, alloc, index, used });
      drafts.push(draft);
      calls.push(...draft.calls);
    }
  }
  const open = openOffices(detached(o.seed, 'open'), pop, used);
  for (const site of pop.sites) {
    const ctx: TrafficContext = { rng: detached(o.seed, `extra:${site.tenant}/${site.account}`), days, periodEnd, out: calls };
    extraTraffic(ctx, site, pop, open.has(site));
    // an rng of its own: added later, it moves no call of the traffic above
    if (open.has(site)) eveningFamilyTraffic({ ...ctx, rng: detached(o.seed, `evening:${site.tenant}/${site.account}`) }, site);
  }
  for (let round = 0; round < rounds; round++) {
    for (const kind of [...MONEY, MONEY_CAP]) {
      const index = drafts.length;
      const draft = kind.make({ rng: detached(o.seed, `episode:${index}`), days, periodEnd, pop, alloc, index, used, open: [...open] });
      drafts.push(draft);
      calls.push(...draft.calls);
    }
  }
  // an rng of its own: added later, it moves no call above (the addresses come after every episode's)
  remoteWork(detached(o.seed, 'remote'), pop, alloc, days, calls);
  const noCost = new Set([...open].map((s) => `${s.tenant}/${s.account}`));
  const late = outages(rng.fork('outages'), pop, days, calls, Math.max(1, Math.round((o.days / 7) * SIM_CONFIG.outagesPerWeek)));
  const legitCalls = calls.filter((c) => c.episode === undefined);
  progress(`simulate: ${calls.length} calls (${calls.length - legitCalls.length} fraud), ordering by delivery`);

  // exporters deliver a CDR when the call ends (or at a flush); the sort is stable, so ties keep generation order
  const order = calls
    .map((c, i) => i)
    .sort((a, b) => {
      const x = calls[a] as Call;
      const y = calls[b] as Call;
      return x.deliverAt - y.deliverAt || x.end - y.end;
    });
  const iso = new LocalIso(zone);
  const lines: string[] = [];
  const position = new Map<Call, number>();
  for (const i of order) {
    const call = calls[i] as Call;
    call.id = `${Math.floor(call.start / 1000)}.${lines.length}`;
    position.set(call, lines.length);
    lines.push(cdrLine(call, iso, !noCost.has(`${call.tenant}/${call.account}`)));
  }
  const byPosition = (xs: readonly Call[]) => [...xs].sort((a, b) => (position.get(a) as number) - (position.get(b) as number));
  const episodes = drafts.map((d, i) => {
    const ordered = byPosition(d.calls);
    return {
      id: `ep-${String(i + 1).padStart(3, '0')}`,
      type: d.type,
      description: d.description,
      tenant: d.tenant,
      startsAt: iso.format(Math.min(...d.calls.map((c) => c.start))),
      endsAt: iso.format(Math.max(...d.calls.map((c) => c.end))),
      acceptable: d.acceptable,
      cdrIds: ordered.map((c) => c.id as string),
      targets: [...(EPISODE_KINDS.find((k) => k.type === d.type)?.targets ?? [])],
      ...((d.budget ?? BUDGETS[d.type]) ? { budget: d.budget ?? BUDGETS[d.type] } : {}),
      cdrCosts: ordered.map((c) => c.cost),
    };
  });
  const legitimate = legitSubjects(legitCalls);
  const labels: LabelsInput = {
    version: 1,
    seed: o.seed,
    days: o.days,
    start: iso.format(periodStart),
    end: iso.format(periodEnd),
    timeZone: zone,
    population: { ...pop.counts },
    episodes,
    legitimate,
    lateDeliveries: late.map((l): LateDelivery => ({
      tenant: l.tenant,
      account: l.account,
      ip: l.ip,
      from: iso.format(l.fromMs),
      until: iso.format(l.untilMs),
      cdrIds: byPosition(l.calls).map((c) => c.id as string),
    })),
  };
  const subjects: Record<string, Record<string, number>> = {};
  for (const s of legitimate) (subjects[s.population] ??= {})[s.kind] = (subjects[s.population]?.[s.kind] ?? 0) + 1;
  const episodesByType: Record<string, number> = {};
  for (const d of drafts) episodesByType[d.type] = (episodesByType[d.type] ?? 0) + 1;
  const fraud = calls.filter((c) => c.episode !== undefined);
  return {
    lines,
    labels,
    profiles: simulatedProfiles(
      pop,
      zone,
      o.profilesBase,
      open,
      new Map(drafts.flatMap((d) => (d.caps && d.calls[0] ? [[`${d.tenant}/${d.calls[0].account}`, d.caps]] : []))),
    ),
    population: pop,
    summary: {
      cdrs: lines.length,
      legit: legitCalls.length,
      fraud: fraud.length,
      late: late.reduce((n, l) => n + l.calls.length, 0),
      fraudCost: Math.round(fraud.reduce((n, c) => n + c.cost, 0) * 100) / 100,
      subjects,
      episodes: episodesByType,
    },
  };
}

function legitTraffic(ctx: TrafficContext, site: Site, pop: Population): void {
  const tenant = pop.tenants.find((t) => t.spec.name === site.tenant);
  switch (site.kind) {
    case 'sme-office':
    case 'intl-office':
      officeTraffic(ctx, site);
      internationalTraffic(ctx, site);
      onCallTraffic(ctx, site);
      break;
    case 'call-centre':
      callCentreTraffic(ctx, site);
      break;
    case 'sip-trunk':
      trunkTraffic(ctx, site);
      break;
    case 'sales-team':
      salesTraffic(ctx, site);
      break;
  }
  if (tenant) inboundTraffic(ctx, site, tenant);
}

/**
 * The "open" offices: SME offices with international allowed to every country and a PBX exporting no cost,
 * chosen among those the first 18 episode kinds left alone (so their figures do not move); a small run tops up.
 */
function openOffices(rng: Rng, pop: Population, used: ReadonlySet<string>): Set<Site> {
  const offices = pop.sites.filter((s) => s.kind === 'sme-office');
  const fresh = offices.filter((s) => !used.has(`${s.tenant}/${s.account}`));
  const n = Math.min(offices.length, Math.max(MIN_OPEN, Math.round(fresh.length * OPEN_SHARE)));
  const chosen = rng.sample(fresh, n);
  if (chosen.length < n)
    chosen.push(
      ...rng.sample(
        offices.filter((s) => !chosen.includes(s)),
        n - chosen.length,
      ),
    );
  return new Set(chosen);
}

/** The legitimate counterparts of issue 16's attacks (legit-extra.ts). */
function extraTraffic(ctx: TrafficContext, site: Site, pop: Population, open: boolean): void {
  const tenant = pop.tenants.find((t) => t.spec.name === site.tenant);
  if (site.kind === 'sme-office' || site.kind === 'intl-office') typoTraffic(ctx, site);
  if (open) familyTraffic(ctx, site);
  if (tenant && (open || site.intl)) clientsAbroadTraffic(ctx, site, tenant, site.intl?.countries ?? TRADE_COUNTRIES);
  if (site.kind === 'call-centre') deskTraffic(ctx, site);
  if (site.kind === 'sales-team') quickCallTraffic(ctx, site);
}

interface Outage {
  readonly tenant: string;
  readonly account: string;
  readonly ip: string;
  readonly fromMs: number;
  readonly untilMs: number;
  readonly calls: Call[];
}

/** A site's CDR exporter down for 30-120 min on a business day: everything that ended meanwhile is flushed at once. */
function outages(rng: Rng, pop: Population, days: readonly SimDay[], calls: Call[], count: number): Outage[] {
  const candidates = pop.sites.filter((s) => s.kind !== 'sip-trunk' && s.lines.length >= 10);
  const business = days.filter((d) => d.type === 'business');
  const out: Outage[] = [];
  for (const site of rng.sample(candidates.length > 0 ? candidates : pop.sites, count)) {
    const day = rng.pick(business.length > 0 ? business : days);
    const fromMs = at(day, rng.between(9.5, 15));
    const untilMs = fromMs + rng.int(30, 120) * MINUTE;
    const held = calls.filter((c) => c.srcIp === site.ip && c.end >= fromMs && c.end < untilMs);
    for (const c of held) c.deliverAt = untilMs;
    out.push({ tenant: site.tenant, account: site.account, ip: site.ip, fromMs, untilMs, calls: held });
  }
  return out;
}

/** Every caller, account and IP of legitimate traffic, with its population (inbound callers and SBCs: carrier-inbound). */
function legitSubjects(calls: readonly Call[]): LegitSubject[] {
  const seen = new Map<string, LegitSubject>();
  const add = (tenant: string, kind: LegitSubject['kind'], value: string, population: PopulationKind) => {
    const key = `${tenant}\u0000${kind}\u0000${value}`;
    if (!seen.has(key)) seen.set(key, { tenant, kind, value, population });
  };
  for (const c of calls) {
    const site = c.population as PopulationKind;
    const outside = c.direction === 'inbound' ? 'carrier-inbound' : site;
    add(c.tenant, 'caller', c.caller, outside);
    add(c.tenant, 'account', c.account, site);
    add(c.tenant, 'ip', c.srcIp, outside);
  }
  return [...seen.keys()].sort().map((k) => seen.get(k) as LegitSubject);
}
