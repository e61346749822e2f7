import { MINUTE, SECOND } from '../time.js';
import { SIG_SIM } from './config.js';
import type { LegitIncident } from './model.js';
import { cut, device, officeIp, securityEvent, type Device, type Office, type SigContext, type SigPopulation } from './population.js';

export interface LegitContext extends SigContext {
  readonly counts: Record<LegitIncident, number>;
}

/**
 * The legitimate failures of a week (model.ts LEGIT_INCIDENTS), each changing the sessions of the devices involved
 * (a failing phone does not register until fixed). Outages come first: they may move a site to a new address.
 */
export function legitIncidents(c: LegitContext): void {
  // in time order: a later outage's new address must not be overwritten by an earlier one's
  const outages = Array.from({ length: times(c, 'site-outage') }, () => ({ o: office(c), from: anyTime(c), minutes: c.rng.logUniformInt(5, 240) }));
  for (const x of outages.sort((a, b) => a.from - b.from)) outage(c, x.o, x.from, x.from + x.minutes * MINUTE);
  for (let i = times(c, 'stale-password'); i > 0; i--) stalePassword(c);
  for (let i = times(c, 'password-typo'); i > 0; i--) typo(c);
  for (let i = times(c, 'password-change'); i > 0; i--) passwordChange(c);
  for (let i = times(c, 'new-phone-wrong-password'); i > 0; i--) newPhones(c, 1, 'new-phone-wrong-password');
  for (let i = times(c, 'batch-provisioning'); i > 0; i--) newPhones(c, c.rng.int(3, 12), 'batch-provisioning');
  for (const m of c.pop.monitors) monitor(c, m);
}

/** How many of an incident this run has: the weekly rate scaled, its fraction drawn. */
function times(c: LegitContext, kind: keyof typeof SIG_SIM.incidents): number {
  const x = SIG_SIM.incidents[kind] * c.factor;
  const n = Math.floor(x) + (c.rng.chance(x - Math.floor(x)) ? 1 : 0);
  c.counts[kind] += n;
  return n;
}

const anyTime = (c: LegitContext) => c.start + Math.floor(c.rng.float() * (c.end - c.start));
const office = (c: LegitContext) => c.rng.pick(c.pop.offices);

/** A phone failing every `retryS` from `from` until `until` (two failures per attempt if it answers a second challenge). */
function failing(
  c: LegitContext,
  d: Device,
  ip: string,
  from: number,
  until: number,
  incident: LegitIncident,
  type: 'auth-failed' | 'unknown-user' = 'auth-failed',
): number {
  let t = from;
  let attempts = 0;
  while (t < until) {
    attempts++;
    const parts = { user: d.user, userAgent: d.agent, callId: d.callId, srcPort: d.port };
    c.out.push({ event: securityEvent(d.tenant, type, t, ip, parts), incident });
    if (d.doubles) c.out.push({ event: securityEvent(d.tenant, type, t + c.rng.int(40, 300), ip, parts), incident });
    t += Math.round(d.retryS * c.rng.between(0.9, 1.1)) * SECOND;
  }
  return attempts;
}

/** The site's link is down 5 min to 4 h; then every phone registers at once, a third of the time from a new address. */
function outage(c: LegitContext, o: Office, from: number, until: number): void {
  const ip = c.rng.chance(0.3) ? c.alloc.ip() : undefined;
  if (ip !== undefined) o.epochs.push({ from: until, ip });
  for (const d of o.phones) {
    cut(d, from, until);
    d.sessions = d.sessions.map((s) =>
      s.from === until ? { ...s, from: until + c.rng.int(0, 90) * SECOND, storm: true, ip: ip ?? s.ip } : s.from > until && ip ? { ...s, ip } : s,
    );
  }
}

/** A phone whose password changed keeps retrying with the old one until fixed: 10 min to 3 days later. */
function stalePassword(c: LegitContext): void {
  const o = office(c);
  const d = c.rng.pick(o.phones);
  const from = anyTime(c);
  const until = from + c.rng.logUniformInt(10, 3 * 1440) * MINUTE;
  const ip = cut(d, from, until);
  if (ip !== undefined) failing(c, d, ip, from, until, 'stale-password');
}

/** Someone types a wrong password 2-5 times, 5-40 s apart: into a softphone on the mobile network, or at the office Wi-Fi. */
function typo(c: LegitContext): void {
  const tries = c.rng.weighted([
    [2, 0.4],
    [3, 0.3],
    [4, 0.2],
    [5, 0.1],
  ] as const);
  const mobile = c.pop.softphones.filter((d) => d.sessions.length > 0);
  let d: Device;
  let ip: string;
  let t: number;
  if (mobile.length > 0 && c.rng.chance(0.6)) {
    d = c.rng.pick(mobile);
    const s = c.rng.pick(d.sessions);
    ({ ip, from: t } = s);
  } else {
    const o = office(c);
    const owner = c.rng.pick(o.phones);
    t = anyTime(c);
    ip = officeIp(o, t);
    d = device(c.rng, o.tenant, owner.user, { agent: c.rng.pick(SIG_SIM.softphoneAgents), doubles: false, retryS: 60 }, 300, []);
  }
  const first = t;
  for (let i = 0; i < tries; i++) {
    c.out.push({
      event: securityEvent(d.tenant, 'auth-failed', t, ip, { user: d.user, userAgent: d.agent, callId: d.callId, srcPort: d.port }),
      incident: 'password-typo',
    });
    t += c.rng.int(5, 40) * SECOND;
  }
  if (d.sessions.length > 0) cut(d, first, t);
  else c.out.push({ event: securityEvent(d.tenant, 'registered', t, ip, { user: d.user, userAgent: d.agent, callId: d.callId, srcPort: d.port }) });
}

/** The site's PBX password changed and the phones are reprovisioned: each fails 1-3 times within minutes, then registers. */
function passwordChange(c: LegitContext): void {
  const o = office(c);
  const at = anyTime(c);
  for (const d of o.phones) {
    const from = at + c.rng.int(0, 300) * SECOND;
    const until = from + (c.rng.int(1, 3) - 1) * d.retryS * SECOND + c.rng.int(5, 30) * SECOND;
    const ip = cut(d, from, until);
    if (ip !== undefined) failing(c, d, ip, from, until, 'password-change');
  }
}

/** New phones, never registered anywhere, provisioned with a wrong password; fixed 5 min to 8 h later (a batch: 10-90 min), then registering. */
function newPhones(c: LegitContext, n: number, incident: LegitIncident): void {
  const o = office(c);
  const at = anyTime(c);
  const taken = new Set(o.phones.map((d) => d.user));
  const model = { agent: c.rng.pick(SIG_SIM.phoneAgents), doubles: c.rng.chance(SIG_SIM.retryChallenge), retryS: c.rng.int(30, 120) };
  const fixedAt = at + (n === 1 ? c.rng.logUniformInt(5, 480) : c.rng.int(10, 90)) * MINUTE;
  for (let i = 0; i < n; i++) {
    let user = '';
    while (user === '' || taken.has(user)) user = `${o.prefix}${c.rng.int(100, 999)}`;
    taken.add(user);
    const from = at + c.rng.int(0, 120) * SECOND;
    const ip = officeIp(o, from);
    const d = device(c.rng, o.tenant, user, model, o.phones[0]?.expiryS ?? 3600, []);
    failing(c, d, ip, from, fixedAt, incident);
    if (fixedAt < c.end) d.sessions.push({ from: fixedAt + c.rng.int(0, 60) * SECOND, until: c.end, ip: officeIp(o, fixedAt) });
    o.phones.push(d);
  }
}

/** The operator's monitoring pings the tenant's PBX with OPTIONS from a user the PBX does not know (Asterisk: InvalidAccountID). */
function monitor(c: LegitContext, m: SigPopulation['monitors'][number]): void {
  c.counts['monitor-options']++;
  const agent = c.rng.pick(['sipsak 0.9.8', 'Zabbix', 'check_sip/1.4']);
  for (let t = c.start + c.rng.int(0, m.everyS) * SECOND, n = 0; t < c.end; t += Math.round(m.everyS * c.rng.between(0.98, 1.02) * SECOND), n++) {
    const parts = { user: m.user, userAgent: agent, method: 'OPTIONS', callId: `${m.user}-${n}@${m.ip}`, srcPort: 5060 };
    c.out.push({ event: securityEvent(m.tenant, 'unknown-user', t, m.ip, parts), incident: 'monitor-options' });
  }
}
