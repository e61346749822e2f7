/** Seeded (mulberry32) generators shared by the benchmarks, so every run measures the same traffic. */
export function prng(seed: number) {
  let state = seed;
  const rand = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
  return { rand, pick, digits };
}

export const DDDS = ['11', '11', '11', '21', '21', '31', '41', '51', '61', '71', '81', '85', '19', '27', '48'];
export const CSPS = ['15', '21', '41', '31', '12'];
export const FOREIGN = ['1201555', '44207946', '351912', '5491123', '2917', '8823', '34612', '4915'];

/** A Brazilian PBX's dialled-number mix, with the outside-line digit 0: local, national, 0800, international, extensions, emergency. */
export function dialler(seed: number) {
  const { rand, pick, digits } = prng(seed);
  return (): string => {
    const r = rand();
    const subscriber = () => (rand() < 0.6 ? `9${digits(8)}` : `${pick(['2', '3', '4'])}${digits(7)}`);
    if (r < 0.35) return `0${subscriber()}`;
    if (r < 0.6) return `0${pick(DDDS)}${subscriber()}`;
    if (r < 0.8) return `00${pick(CSPS)}${pick(DDDS)}${subscriber()}`;
    if (r < 0.85) return rand() < 0.5 ? `00800${digits(7)}` : `04004${digits(4)}`;
    if (r < 0.93) return `000${pick(CSPS)}${pick(FOREIGN)}${digits(5)}`;
    if (r < 0.98) return `${2000 + Math.floor(rand() * 500)}`;
    return `0${pick(['190', '192', '193'])}`;
  };
}

export interface StreamRow {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly line: string;
}

/**
 * The engine benchmarks' stream: `count` canonical CDRs over one day from `callers` callers in 5,000 accounts of
 * 10 tenants, in call-end order (out of order by start), with 1 % fraud (bursts, enumeration, IRSF pumping,
 * premium calls). Seeded: every run measures the same traffic.
 */
export function engineStream(count: number, callers: number): StreamRow[] {
  const DAY_START = Date.parse('2026-03-02T00:00:00-03:00');
  const { rand, digits } = prng(7);
  const dialled = dialler(42);
  const rows: StreamRow[] = [];
  const callerOf = (i: number) => `+55113${String(1_000_000 + (i % 9_000_000)).slice(1)}${i % 10}`.slice(0, 14);
  let id = 0;
  const push = (caller: number, callee: string, startedAt: number, bill: number): void => {
    const account = caller % 5000;
    const endedAt = startedAt + bill * 1000 + 3000;
    const cdr = {
      id: `bench-${id++}`,
      tenant: `t${account % 10}`,
      account: `acct${account}`,
      caller: callerOf(caller),
      callee,
      srcIp: `10.${(account >> 8) & 255}.${account & 255}.${1 + (caller % 4)}`,
      startedAt: new Date(startedAt).toISOString(),
      answeredAt: bill > 0 ? new Date(startedAt + 3000).toISOString() : null,
      endedAt: new Date(endedAt).toISOString(),
      durationSec: bill + 3,
      billSec: bill,
      disposition: bill > 0 ? 'ANSWERED' : 'NO ANSWER',
      direction: 'outbound',
    };
    rows.push({ startedAt, endedAt, line: JSON.stringify(cdr) });
  };
  while (rows.length < count) {
    const t = DAY_START + Math.floor(rand() * 86_400_000);
    const caller = Math.floor(rand() * callers);
    if (rand() >= 0.0025) {
      push(caller, dialled(), t, rand() < 0.6 ? Math.floor(rand() * 300) + 1 : 0);
      continue;
    }
    // fraud episodes, 4 calls each on average, about 1 % of the CDRs
    const kind = Math.floor(rand() * 4);
    if (kind === 0) for (let i = 0; i < 6; i++) push(caller, dialled(), t + i * 5000, 5); // velocity burst
    if (kind === 1) for (let i = 0; i < 6; i++) push(caller, `0021300${String(1000 + i * 2)}`, t + i * 20_000, 0); // enumeration
    if (kind === 2) for (let i = 0; i < 3; i++) push(Math.floor(rand() * callers), `000212917${digits(6)}`, t + i * 3000, 1); // IRSF pumping
    if (kind === 3) push(caller, `009001${digits(6)}`, t, 60); // premium
  }
  rows.length = count;
  return rows.sort((a, b) => a.endedAt - b.endedAt);
}
