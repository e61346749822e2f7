import { addLocalDays, localInstant } from '../../domain/calendar/local-time.js';
import { hash32 } from '../../domain/hash.js';
import { SIM_CONFIG } from '../config.js';
import { Allocator } from '../population.js';
import { Rng } from '../prng.js';
import { simDays, type SimDay } from '../time.js';
import { attacks } from './attacks.js';
import { legitIncidents } from './legit.js';
import { LEGIT_INCIDENTS, type LegitIncident, type SigEpisode, type SigLabels, type SimEvent } from './model.js';
import { buildSigPopulation, type SigPopulation } from './population.js';
import { mergeByTime, registrations } from './registrations.js';

export interface SigSimOptions {
  readonly seed: number;
  readonly days: number;
  /** Local start date, YYYY-MM-DD (default SIM_CONFIG.startDate). */
  readonly start?: string;
  /** Multiplies the number of offices (and their incidents). */
  readonly scale?: number;
}

export interface SigSimulation {
  readonly labels: SigLabels;
  readonly population: SigPopulation;
  /** Every event in time order, labelled; each call replays the same events (registrations are generated lazily). */
  events(): Generator<SimEvent>;
}

/**
 * A simulated operator's security events (issue 18): a pure function of the options. Offices' phones register
 * all week; legit incidents and attack episodes are drawn from rngs of their own, so adding one moves nothing else.
 */
export function simulateSignalling(o: SigSimOptions): SigSimulation {
  const rng = new Rng(o.seed);
  const scale = o.scale ?? 1;
  const days = simDays(o.start ?? SIM_CONFIG.startDate, o.days, SIM_CONFIG.timeZone);
  const start = (days[0] as SimDay).start;
  const end = localInstant(addLocalDays((days[days.length - 1] as SimDay).date, 1), 0, SIM_CONFIG.timeZone);
  const alloc = new Allocator(rng.fork('alloc'));
  const pop = buildSigPopulation(rng.fork('population'), alloc, scale, days, start, end);

  const materialised: SimEvent[] = [];
  const counts = Object.fromEntries(LEGIT_INCIDENTS.map((k) => [k, 0])) as Record<LegitIncident, number>;
  legitIncidents({ rng: rng.fork('legit'), pop, alloc, start, end, factor: (o.days / 7) * scale, out: materialised, counts });
  const episodes: SigEpisode[] = [];
  attacks({ rng: rng.fork('attacks'), pop, alloc, start, end, factor: o.days / 7, out: materialised, episodes });
  materialised.sort((a, b) => a.event.at - b.event.at);

  const devices = [...pop.offices.flatMap((x) => x.phones), ...pop.softphones];
  const events = function* (): Generator<SimEvent> {
    const streams = devices.map((d, i) => registrations(new Rng((o.seed ^ hash32(`register:${i}:${d.tenant}/${d.user}`)) >>> 0), d, -Infinity, end));
    yield* mergeByTime([materialised[Symbol.iterator](), ...streams]);
  };
  const addresses = [
    ...pop.offices.flatMap((x) => x.epochs.map((e) => ({ ip: e.ip, kind: 'office' as const, allowListed: false }))),
    ...pop.cgnat.map((ip) => ({ ip, kind: 'cgnat' as const, allowListed: false })),
    ...pop.monitors.map((m) => ({ ip: m.ip, kind: 'monitor' as const, allowListed: m.listed })),
  ];
  const labels: SigLabels = { seed: o.seed, days: o.days, start, end, tenants: pop.tenants, episodes, addresses, incidents: counts };
  return { labels, population: pop, events };
}
