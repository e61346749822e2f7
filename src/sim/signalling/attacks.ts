import type { EventType } from '../../domain/signalling/event.js';
import { isScannerAgent } from '../../domain/signalling/scanners.js';
import { MINUTE, SECOND } from '../time.js';
import { SIG_SIM } from './config.js';
import type { Pace, SigAttackKind, SigEpisode, SimEvent } from './model.js';
import { officeIp, securityEvent, type EventParts, type Office, type SigContext } from './population.js';
import { floodSamples } from './registrations.js';

export interface AttackContext extends SigContext {
  readonly episodes: SigEpisode[];
}

/** One attacker at work: where it sends from and as what; `send` writes what the edge and the PBX report for one request. */
class Attack {
  readonly ips = new Set<string>();
  private n = 0;
  private first = Infinity;
  private last = -Infinity;
  constructor(
    private readonly c: AttackContext,
    readonly id: string,
    readonly tenant: string,
    readonly agent: { readonly ua: string | undefined; readonly spoofed: boolean },
  ) {}

  send(at: number, ip: string, type: EventType | undefined, p: EventParts): void {
    this.ips.add(ip);
    const parts: EventParts = { ...p, userAgent: this.agent.ua, callId: p.callId ?? `${this.c.rng.digits(10)}${this.n}` };
    // the edge's scanner list is the domain's (deploy/kamailio/security.cfg SENTINELA_SEC_SCANNERS): such a request is a scanner-signature
    if (isScannerAgent(this.agent.ua)) this.emit(securityEvent(this.tenant, 'scanner-signature', at, ip, parts));
    if (type !== undefined) this.emit(securityEvent(this.tenant, type, at + (type === 'scanner-signature' ? 0 : 3), ip, parts));
  }

  emit(event: SimEvent['event']): void {
    if (event.at >= this.c.end) return; // the capture ends with the period; a slow scan may go on
    this.n++;
    this.first = Math.min(this.first, event.at);
    this.last = Math.max(this.last, event.at);
    this.c.out.push({ event, episode: this.id });
  }

  done(kind: SigAttackKind, pace: Pace, description: string): void {
    if (this.n === 0) return;
    const { ua, spoofed } = this.agent;
    this.c.episodes.push({
      id: this.id,
      kind,
      pace,
      tenant: this.tenant,
      description,
      startsAt: this.first,
      endsAt: this.last,
      attackerIps: [...this.ips],
      userAgent: ua ?? '',
      spoofedAgent: spoofed,
      events: this.n,
    });
  }
}

type Make = (c: AttackContext, a: Attack, pace: Pace, at: number) => string;
const GAP_MS: Record<Pace, readonly [number, number]> = { fast: [5, 60], medium: [500, 5000], slow: [15_000, 120_000] };
/** A tool is set to one delay per run (log-uniform over the pace's range), each request ±20 % around it. */
const pacer = (c: AttackContext, pace: Pace) => {
  const base = Math.exp(c.rng.between(Math.log(GAP_MS[pace][0]), Math.log(GAP_MS[pace][1])));
  return () => Math.round(base * c.rng.between(0.8, 1.2));
};
const attackerIp = (c: AttackContext) => c.alloc.ip(!c.rng.chance(0.2));
const realUser = (c: AttackContext, tenant: string) => c.rng.pick(c.rng.pick(offices(c, tenant)).phones).user;
const offices = (c: AttackContext, tenant: string): readonly Office[] => c.pop.offices.filter((o) => o.tenant === tenant);

/** svwar: one unknown-user per extension it REGISTERs (the PBX has none of 100-999: its users carry a site prefix). */
function svwar(c: AttackContext, a: Attack, pace: Pace, at: number, names: readonly string[], ip = attackerIp(c)): number {
  const gap = pacer(c, pace);
  let t = at;
  for (const user of names) {
    a.send(t, ip, 'unknown-user', { user, srcPort: 5060 });
    t += gap();
  }
  return t;
}

/** svcrack: one auth-failed per password guessed for `user`. */
function svcrack(c: AttackContext, a: Attack, pace: Pace, at: number, user: string, ip = attackerIp(c)): number {
  const guesses = pace === 'fast' ? c.rng.int(500, 3000) : pace === 'medium' ? c.rng.int(200, 1000) : c.rng.int(50, 400);
  const gap = pacer(c, pace);
  let t = at;
  for (let i = 0; i < guesses; i++, t += pace === 'fast' ? c.rng.int(20, 100) : gap()) a.send(t, ip, 'auth-failed', { user, srcPort: 5061 });
  return t;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

const MAKERS: Record<SigAttackKind, Make> = {
  'svwar-range': (c, a, pace, at) => (svwar(c, a, pace, at, range(100, 999)), 'svwar -e100-999'),
  'svwar-dictionary': (c, a, pace, at) => {
    const names = [...SIG_SIM.dictionary, ...c.rng.sample(range(1000, 1999), c.rng.int(10, 170))];
    svwar(c, a, pace, at, names);
    return `svwar -d (${names.length} names)`;
  },
  svcrack: (c, a, pace, at) => {
    const user = realUser(c, a.tenant);
    svcrack(c, a, pace, at, user);
    return `svcrack -u${user}`;
  },
  'distributed-bruteforce': (c, a, pace, at) => {
    const user = realUser(c, a.tenant);
    const bots = pace === 'fast' ? c.rng.int(50, 300) : pace === 'medium' ? c.rng.int(30, 150) : c.rng.int(20, 100);
    const every = pace === 'fast' ? [1, 5] : pace === 'medium' ? [10, 40] : [60, 600];
    let t = at;
    for (let b = 0; b < bots; b++, t += c.rng.int(every[0] as number, every[1] as number) * SECOND) {
      const ip = attackerIp(c);
      for (let i = 0, u = t; i < c.rng.int(1, 3); i++, u += c.rng.int(2, 10) * SECOND) a.send(u, ip, 'auth-failed', { user, srcPort: c.rng.int(1024, 65535) });
    }
    return `${bots} bots on ${user}`;
  },
  'credential-stuffing': (c, a, pace, at) => {
    const users = c.rng.sample(
      offices(c, a.tenant).flatMap((o) => o.phones.map((d) => d.user)),
      c.rng.int(20, 200),
    );
    const ips = Array.from({ length: c.rng.int(1, 3) }, () => attackerIp(c));
    const gap = pacer(c, pace);
    let t = at;
    users.forEach((user, i) => {
      const ip = ips[i % ips.length] as string;
      // a leaked password still valid now and then: the attacker registers (and is known there from then on)
      if (c.rng.chance(0.03)) a.send(t, ip, 'registered', { user, srcPort: 5062 });
      else for (let k = c.rng.int(1, 2); k > 0; k--, t += gap()) a.send(t, ip, 'auth-failed', { user, srcPort: 5062 });
      t += gap();
    });
    return `${users.length} users from ${ips.length} IPs`;
  },
  'flood-register': (c, a, pace, at) => flood(c, a, pace, at, 'REGISTER', realUser(c, a.tenant)),
  'flood-options': (c, a, pace, at) => flood(c, a, pace, at, 'OPTIONS', c.rng.pick(['100', 'sip', 'test'])),
  'svmap-probe': (c, a, _pace, at) => {
    const ip = attackerIp(c);
    for (let i = c.rng.int(1, 3), t = at; i > 0; i--, t += c.rng.int(100, 2000)) a.send(t, ip, undefined, { user: '100', method: 'OPTIONS' });
    return 'svmap OPTIONS sweep';
  },
  'inside-nat-scan': (c, a, pace, at) => {
    const o = c.rng.pick(offices(c, a.tenant));
    const ip = officeIp(o, at);
    if (c.rng.chance(0.5)) return (svwar(c, a, pace, at, range(100, 999), ip), `svwar from office ${o.prefix}'s NAT ${ip}`);
    const user = c.rng.pick(o.phones).user;
    svcrack(c, a, pace, at, user, ip);
    return `svcrack -u${user} from its own office's NAT ${ip}`;
  },
};

/** One message replayed `rate` times a second: the edge writes flood samples (registrations.ts floodSamples), nothing reaches the PBX. */
function flood(c: AttackContext, a: Attack, pace: Pace, at: number, method: string, user: string): string {
  const [rate, seconds] =
    pace === 'fast'
      ? [c.rng.int(50, 500), c.rng.int(10, 120)]
      : pace === 'medium'
        ? [c.rng.int(2, 20), c.rng.int(30, 600)]
        : [c.rng.between(0.2, 1), c.rng.int(10, 60) * 60];
  const ip = attackerIp(c);
  const fingerprint = `${c.rng.digits(16)}${a.id}`;
  const callId = `${c.rng.digits(12)}@${ip}`;
  for (const s of floodSamples(Math.round(rate * seconds), (n) => at + Math.round(((n - 1) / rate) * SECOND)))
    a.emit(
      securityEvent(a.tenant, 'flood-sample', s.at, ip, {
        user,
        method,
        callId,
        fingerprint,
        count: s.count,
        ...(a.agent.ua ? { userAgent: a.agent.ua } : {}),
      }),
    );
  a.ips.add(ip);
  return `${method} x${Math.round(rate * seconds)} at ${rate.toFixed(1)}/s`;
}

/** The week's attack episodes (model.ts SIG_ATTACK_KINDS), at any hour: scanners work around the clock. */
export function attacks(c: AttackContext): void {
  const tenants = SIG_SIM.tenants.map((t) => [t.name, t.weight] as const);
  for (const kind of Object.keys(SIG_SIM.attacks) as SigAttackKind[]) {
    const x = SIG_SIM.attacks[kind] * c.factor;
    const n = Math.floor(x) + (c.rng.chance(x - Math.floor(x)) ? 1 : 0);
    for (let i = 0; i < n; i++) {
      const spoofed = kind !== 'svmap-probe' && c.rng.chance(SIG_SIM.spoofedShare);
      const flooding = kind === 'flood-register' || kind === 'flood-options';
      const ua = spoofed
        ? c.rng.pick(SIG_SIM.phoneAgents)
        : flooding
          ? c.rng.pick([undefined, 'sipp'])
          : kind === 'svmap-probe'
            ? 'friendly-scanner'
            : c.rng.pick(SIG_SIM.scannerAgents);
      const a = new Attack(c, `sig-${String(c.episodes.length + 1).padStart(3, '0')}`, c.rng.weighted(tenants), { ua, spoofed });
      const pace = kind === 'svmap-probe' ? 'fast' : c.rng.weighted(SIG_SIM.paces);
      const at = c.start + Math.floor(c.rng.float() * (c.end - c.start - 10 * MINUTE));
      a.done(kind, pace, MAKERS[kind](c, a, pace, at));
    }
  }
}
