import type { CdrInput } from '../domain/cdr/contract.js';

/**
 * A synthetic day of PBX traffic for the demo: two tenants' ordinary national calls, mostly in business hours,
 * and five fraud episodes. Deterministic for a seed; timed relative to `end`, so the last episode's block is
 * still active when the demo finishes.
 */
export interface Episode {
  readonly at: number;
  readonly what: string;
}

export interface DemoDay {
  readonly cdrs: readonly CdrInput[];
  readonly episodes: readonly Episode[];
  /** The compromised extension of the last episode, blocked when the demo ends. */
  readonly blocked: { readonly tenant: string; readonly account: string; readonly caller: string; readonly callee: string };
}

const HOUR = 3_600_000;

/** mulberry32: a tiny seeded PRNG (reproducible traffic; not for anything secret). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function demoDay(end: number, options: { seed?: number; calls?: number } = {}): DemoDay {
  const random = prng(options.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const run = Math.floor(end / 1000).toString(36);
  let seq = 0;
  const cdrs: CdrInput[] = [];
  const call = (tenant: string, account: string, caller: string, callee: string, at: number, billSec: number, srcIp: string) => {
    const duration = billSec > 0 ? billSec + 3 + Math.floor(random() * 8) : 5 + Math.floor(random() * 20);
    cdrs.push({
      id: `demo-${run}-${seq++}`,
      tenant,
      account,
      caller,
      callee,
      srcIp,
      startedAt: at,
      answeredAt: billSec > 0 ? at + (duration - billSec) * 1000 : null,
      endedAt: at + duration * 1000,
      durationSec: duration,
      billSec,
      disposition: billSec > 0 ? 'ANSWERED' : pick(['NO ANSWER', 'BUSY'] as const),
    });
  };
  const tenants = [
    { tenant: 'acme', ddd: '11', accounts: ['vendas', 'suporte', 'financeiro'], ip: '200.160.2.' },
    { tenant: 'globex', ddd: '21', accounts: ['recepcao', 'comercial'], ip: '177.71.4.' },
  ];
  const start = end - 24 * HOUR;
  const calls = options.calls ?? 12_000;
  for (let i = 0; i < calls; i++) {
    const t = pick(tenants);
    // business hours are busy: a call lands in 08:00-18:00 local four times out of five
    const hourOffset = random() < 0.8 ? 8 + random() * 10 : random() * 24;
    const at = start + Math.floor(((hourOffset + 3) % 24) * HOUR + random() * 60_000); // UTC-3
    const extension = Math.floor(random() * 60);
    const ext = `+55${t.ddd}3000${String(1000 + extension)}`;
    const callee = random() < 0.5 ? `+55${pick(['11', '21', '31', '41', '51'])}3${digits(7)}` : `+55${pick(['11', '21', '19'])}9${digits(8)}`;
    call(
      t.tenant,
      t.accounts[extension % t.accounts.length] as string,
      ext,
      callee,
      Math.min(at, end - 10 * 60_000),
      random() < 0.7 ? 20 + Math.floor(random() * 400) : 0,
      `${t.ip}${100 + extension}`,
    );
  }
  const episodes: Episode[] = [];
  const episode = (at: number, what: string, make: (at: number) => void) => {
    episodes.push({ at, what });
    make(at);
  };
  episode(start + 6 * HOUR, 'acme/vendas ext. 1013 dials 8 IRSF numbers in Eritrea (+2917)', (at) => {
    for (let i = 0; i < 8; i++) call('acme', 'vendas', '+551130001013', `+2917${digits(6)}`, at + i * 40_000, 45, '200.160.2.13');
  });
  episode(start + 13 * HOUR, 'globex/comercial ext. 1042: 12 calls in 50 s (EV06 velocity)', (at) => {
    for (let i = 0; i < 12; i++) call('globex', 'comercial', '+552130001042', `+5521${pick(['3', '9'])}${digits(7)}`, at + i * 4_000, 0, '177.71.4.42');
  });
  episode(start + 15 * HOUR, 'acme/suporte ext. 1077 dials +5511 4000-7001…7012 in sequence (G2)', (at) => {
    for (let i = 0; i < 12; i++) call('acme', 'suporte', '+551130001077', `+55114000${7001 + i}`, at + i * 20_000, 0, '200.160.2.77');
  });
  episode(start + 19 * HOUR, 'globex/recepcao: premium-rate 0900 calls (F4)', (at) => {
    for (let i = 0; i < 3; i++) call('globex', 'recepcao', '+552130001005', `0900${digits(7)}`, at + i * 300_000, 120, '177.71.4.5');
  });
  const last = { tenant: 'acme', account: 'financeiro', caller: '+551130002107', callee: '+5371234567' };
  episode(end - 3 * 60_000, 'acme/financeiro ext. 2107 compromised: 7 calls to Cuba and Latvia in one minute', (at) => {
    for (let i = 0; i < 7; i++) call(last.tenant, last.account, last.caller, i % 2 ? `+371${digits(8)}` : `+53${digits(8)}`, at + i * 8_000, 30, '45.134.26.9');
  });
  cdrs.sort((a, b) => (a.startedAt as number) - (b.startedAt as number));
  return { cdrs, episodes, blocked: last };
}
