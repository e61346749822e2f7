import type { EventType, SecurityEvent } from '../../domain/signalling/event.js';
import type { Allocator } from '../population.js';
import type { Rng } from '../prng.js';
import { HOUR, SECOND, type SimDay } from '../time.js';
import { SIG_SIM } from './config.js';
import type { SimEvent } from './model.js';

/** A time a device is online at one address: it registers at `from` and then before each expiry, until `until`. */
export interface Session {
  from: number;
  until: number;
  ip: string;
  /** The session starts with every phone of the site registering at once (after an outage): more retransmissions. */
  storm?: boolean;
}

/** A registering SIP device: an office desk phone or a mobile softphone (same user name as its owner's desk phone). */
export interface Device {
  readonly tenant: string;
  readonly user: string;
  readonly agent: string;
  /** Answers a second challenge with the same wrong password: two failures per attempt. */
  readonly doubles: boolean;
  readonly expiryS: number;
  /** After a failure, the phone retries this often (vendors: 30-120 s). */
  readonly retryS: number;
  readonly port: number;
  /** One Call-ID per boot for its REGISTERs (RFC 3261 10.2). */
  readonly callId: string;
  sessions: Session[];
}

export interface Office {
  readonly index: number;
  readonly tenant: string;
  /** Its public NAT address at the start; an outage may hand it another (`epochs`: from when each holds). */
  readonly ip: string;
  readonly epochs: { readonly from: number; readonly ip: string }[];
  readonly prefix: string;
  readonly phones: Device[];
}

export interface Monitor {
  readonly tenant: string;
  readonly ip: string;
  readonly everyS: number;
  readonly listed: boolean;
  readonly user: string;
}

/** What an episode generator works with: the population, the week, and where its events go. */
export interface SigContext {
  readonly rng: Rng;
  readonly pop: SigPopulation;
  readonly alloc: Allocator;
  readonly start: number;
  readonly end: number;
  /** Weekly rates are multiplied by this (days / 7, times the office scale for legitimate incidents). */
  readonly factor: number;
  readonly out: SimEvent[];
}

export interface SigPopulation {
  readonly tenants: readonly string[];
  readonly offices: readonly Office[];
  readonly softphones: readonly Device[];
  readonly cgnat: readonly string[];
  readonly monitors: readonly Monitor[];
}

/** Offices of 10-200 phones behind one NAT address each, their owners' softphones on mobile CGNAT, a monitor per tenant. */
export function buildSigPopulation(rng: Rng, alloc: Allocator, scale: number, days: readonly SimDay[], start: number, end: number): SigPopulation {
  const tenants = SIG_SIM.tenants.map((t) => t.name);
  const prefixes = new Set<string>();
  const offices: Office[] = [];
  const count = Math.max(3, Math.round(SIG_SIM.offices * scale));
  for (let index = 0; index < count; index++) {
    const tenant = index < tenants.length ? (tenants[index] as string) : rng.weighted(SIG_SIM.tenants.map((t) => [t.name, t.weight] as const));
    let prefix = '';
    while (prefix === '' || prefixes.has(prefix)) prefix = `${rng.int(2, 9)}${rng.digits(3)}`;
    prefixes.add(prefix);
    const ip = alloc.ip();
    const expiryS = rng.weighted(SIG_SIM.expiries);
    const agent = rng.pick(SIG_SIM.phoneAgents);
    const model = { agent, doubles: rng.chance(SIG_SIM.retryChallenge), retryS: rng.int(30, 120) };
    const size = rng.logUniformInt(SIG_SIM.phonesPerOffice[0], SIG_SIM.phonesPerOffice[1]);
    const first = rng.int(200, 999 - size);
    const phones = Array.from({ length: size }, (_, i) =>
      device(rng, tenant, `${prefix}${first + i}`, model, expiryS, [{ from: warmUp(rng, start, expiryS), until: end, ip }]),
    );
    offices.push({ index, tenant, ip, epochs: [{ from: -Infinity, ip }], prefix, phones });
  }
  const cgnat = Array.from({ length: SIG_SIM.cgnat.carriers * SIG_SIM.cgnat.addressesPerCarrier }, () => alloc.ip());
  const softphones: Device[] = [];
  for (const office of offices)
    for (const phone of office.phones) {
      if (!rng.chance(SIG_SIM.softphoneShare)) continue;
      const carrier = rng.int(0, SIG_SIM.cgnat.carriers - 1);
      const pool = cgnat.slice(carrier * SIG_SIM.cgnat.addressesPerCarrier, (carrier + 1) * SIG_SIM.cgnat.addressesPerCarrier);
      const model = { agent: rng.pick(SIG_SIM.softphoneAgents), doubles: rng.chance(SIG_SIM.retryChallenge), retryS: rng.int(30, 120) };
      const expiryS = rng.int(SIG_SIM.cgnat.expiry[0], SIG_SIM.cgnat.expiry[1]);
      softphones.push(device(rng, office.tenant, phone.user, model, expiryS, mobileSessions(rng, days, pool)));
    }
  const monitors = tenants.map((tenant) => ({
    tenant,
    ip: alloc.ip(),
    everyS: rng.int(SIG_SIM.monitor.everyS[0], SIG_SIM.monitor.everyS[1]),
    listed: !rng.chance(SIG_SIM.monitor.unlisted),
    user: rng.pick(['monitor', 'nagios', 'zabbix', 'ping']),
  }));
  return { tenants, offices, softphones, cgnat, monitors };
}

export function device(
  rng: Rng,
  tenant: string,
  user: string,
  model: { readonly agent: string; readonly doubles: boolean; readonly retryS: number },
  expiryS: number,
  sessions: Session[],
): Device {
  return {
    tenant,
    user,
    ...model,
    expiryS,
    port: rng.int(1024, 65535),
    callId: `${rng.digits(12)}@${rng.int(10, 192)}.168.${rng.int(0, 255)}.${rng.int(2, 254)}`,
    sessions,
  };
}

/** The edge has run before the period: each phone last registered within one expiry before it. */
const warmUp = (rng: Rng, start: number, expiryS: number) => start - Math.round(rng.float() * expiryS) * SECOND;

/** A softphone on a mobile: online on business days around office hours, its carrier moving it to another CGNAT address every few hours. */
function mobileSessions(rng: Rng, days: readonly SimDay[], pool: readonly string[]): Session[] {
  const out: Session[] = [];
  for (const day of days) {
    if (day.type !== 'business' || rng.chance(0.3)) continue;
    let t = day.start + Math.round(rng.between(7.5, 9.5) * HOUR);
    const off = day.start + Math.round(rng.between(17, 19.5) * HOUR);
    while (t < off) {
      const until = Math.min(off, t + Math.round(rng.between(SIG_SIM.cgnat.hopHours[0], SIG_SIM.cgnat.hopHours[1]) * HOUR));
      out.push({ from: t, until, ip: rng.pick(pool) });
      t = until;
    }
  }
  return out;
}

/** The office's public address at `t`. */
export const officeIp = (o: Office, t: number): string => [...o.epochs].reverse().find((e) => e.from <= t)?.ip ?? o.ip;

/** The session a device is in at `t`, if any. */
export const sessionAt = (d: Device, t: number): Session | undefined => d.sessions.find((s) => s.from <= t && t < s.until);

/** Takes [from, until) out of a device's sessions (it is failing or offline then); returns the address it had at `from`. */
export function cut(d: Device, from: number, until: number): string | undefined {
  const ip = sessionAt(d, from)?.ip;
  const out: Session[] = [];
  for (const s of d.sessions) {
    if (s.until <= from || s.from >= until) out.push(s);
    else {
      if (s.from < from) out.push({ ...s, until: from });
      if (s.until > until) out.push({ ...s, from: until, storm: false });
    }
  }
  d.sessions = out;
  return ip;
}

export interface EventParts {
  readonly user?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly method?: string;
  readonly callId?: string;
  readonly fingerprint?: string;
  readonly count?: number;
  readonly srcPort?: number;
}

/** A security event as the PBX or the edge reports it (UDP, REGISTER unless told); fields left out are absent, as in a real line. */
export function securityEvent(tenant: string, type: EventType, at: number, srcIp: string, p: EventParts): SecurityEvent {
  return {
    at,
    tenant,
    type,
    srcIp,
    srcPort: p.srcPort ?? 5060,
    transport: 'udp',
    method: p.method ?? 'REGISTER',
    count: p.count ?? 1,
    ...(p.user === undefined ? {} : { user: p.user }),
    ...(p.userAgent === undefined ? {} : { userAgent: p.userAgent }),
    ...(p.callId === undefined ? {} : { callId: p.callId }),
    ...(p.fingerprint === undefined ? {} : { fingerprint: p.fingerprint }),
  };
}
