// SIPp against the rig's Kamailio (./kamailio.ts): callers placing calls (test/fixtures/sipp/uac.xml) and phones
// registering with digest authentication (register.xml). Each run is one SIPp process from a loopback address of
// its own, so the rules keyed on the source address do not mix scenarios.
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freeUdpPort, spawnChild } from './kamailio.js';

const SCENARIOS = join(resolve(import.meta.dirname, '..', '..'), 'test', 'fixtures', 'sipp');

export interface Call {
  readonly caller: string;
  readonly callee: string;
  readonly account: string;
}

export interface Outcome extends Call {
  readonly callId: string;
  /** Final answer's status line without `SIP/2.0` (e.g. `200 OK`, `403 Blocked by Sentinela`), or `failed`. */
  readonly status: string;
}

export interface CallRun {
  readonly outcomes: Outcome[];
  /** INVITE sent → final answer (ms), one per answered or refused call, as SIPp measured it (-trace_rtt). */
  readonly rttMs: number[];
  readonly exitCode: number | null;
  readonly errors: string;
}

interface ScenarioRun {
  /** Per CSV line (in order): the Call-ID and the status the scenario logged as `outcome|call-id|…|status`, or `failed`. */
  readonly outcomes: { callId: string; status: string }[];
  readonly rttMs: number[];
  readonly exitCode: number | null;
  readonly errors: string;
}

/**
 * Runs `scenario` once per CSV line (`;`-separated fields, in order) through Kamailio from `fromIp`, `rate` per
 * second, at most `limit` at once (1: one after another), and reads back each line's logged outcome.
 */
async function runScenario(
  kamailio: { sipPort: number },
  scenario: string,
  lines: readonly string[],
  o: { fromIp: string; rate?: number; limit?: number },
): Promise<ScenarioRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-sipp-'));
  writeFileSync(join(dir, 'lines.csv'), ['SEQUENTIAL', ...lines].join('\n') + '\n');
  const port = await freeUdpPort(o.fromIp);
  // SIPp's own limit: a call that got no final answer in 40 s fails (Kamailio's worst case is one timeout)
  const args = [`127.0.0.1:${kamailio.sipPort}`, '-sf', join(SCENARIOS, `${scenario}.xml`), '-inf', 'lines.csv', '-i', o.fromIp, '-p', String(port)];
  args.push(
    '-m',
    String(lines.length),
    '-r',
    String(o.rate ?? 10),
    '-l',
    String(o.limit ?? 1),
    '-nostdin',
    '-nd',
    '-recv_timeout',
    '40000',
    '-timeout',
    '300s',
  );
  args.push('-trace_logs', '-log_file', 'outcomes.log', '-trace_err', '-error_file', 'errors.log', '-trace_rtt', '-rtt_freq', '1');
  const sipp = spawnChild('sipp', args, dir);
  const [exitCode] = (await once(sipp.child, 'exit')) as [number | null];
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
  const byNumber = new Map<number, { callId: string; status: string }>();
  for (const line of read('outcomes.log').split('\n')) {
    const [tag, callId = '', , status = ''] = line.split('|');
    if (tag === 'outcome') byNumber.set(Number(callId.split('-')[0]), { callId, status: status.replace(/^SIP\/2\.0 /, '').trim() });
  }
  const outcomes = lines.map((_, i) => byNumber.get(i + 1) ?? { callId: `${i + 1}-?`, status: 'failed' });
  const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  const rttMs = rttFile
    ? read(rttFile)
        .split('\n')
        .slice(1)
        .filter((l) => l.includes(';'))
        .map((l) => Number(l.split(';')[1]))
    : [];
  const errors = read('errors.log').slice(0, 4_000);
  await sipp.stop();
  return { outcomes, rttMs, exitCode, errors };
}

/**
 * Places `calls` through Kamailio with SIPp (from `fromIp`), `rate` calls/s, at most `limit` at once (1: one after
 * another, in order). `uac-cancel` hangs each call up 300 ms after its 100 Trying.
 */
export async function placeCalls(
  kamailio: { sipPort: number },
  calls: readonly Call[],
  o: { fromIp: string; rate?: number; limit?: number; scenario?: 'uac' | 'uac-cancel' },
): Promise<CallRun> {
  const run = await runScenario(
    kamailio,
    o.scenario ?? 'uac',
    calls.map((c) => `${c.caller};${c.callee};${c.account}`),
    o,
  );
  return { ...run, outcomes: calls.map((c, i) => ({ ...c, ...(run.outcomes[i] as { callId: string; status: string }) })) };
}

export interface Registration {
  readonly user: string;
  readonly password: string;
  /** The phone's User-Agent (a scanner's is a weak signal to Sentinela). */
  readonly userAgent?: string;
}

export interface RegistrationRun {
  /** Per registration, in order: `200 OK`, `401 Unauthorized` (credentials refused), `403 Blocked by Sentinela (pushed)`, or `failed`. */
  readonly outcomes: (Registration & { readonly callId: string; readonly status: string })[];
  readonly exitCode: number | null;
  readonly errors: string;
}

/** Phones (or a scanner) REGISTERing through Kamailio with digest authentication (register.xml), from `fromIp`. */
export async function register(
  kamailio: { sipPort: number },
  registrations: readonly Registration[],
  o: { fromIp: string; rate?: number; limit?: number },
): Promise<RegistrationRun> {
  const lines = registrations.map(
    (r) => `${r.user};[authentication username=${r.user} password=${r.password}];${r.userAgent ?? 'Yealink SIP-T46S 66.86.0.15'}`,
  );
  const run = await runScenario(kamailio, 'register', lines, o);
  return { ...run, outcomes: registrations.map((r, i) => ({ ...r, ...(run.outcomes[i] as { callId: string; status: string }) })) };
}

/** p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
