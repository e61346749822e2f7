// A real PBX for end-to-end tests: Kamailio running deploy/kamailio/kamailio.cfg on loopback, a SIPp UAS behind it
// (the called side) and SIPp UACs placing calls (test/fixtures/sipp/uac.xml). Every process is a child of the
// test, started in the foreground and stopped by its pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../processor/rig.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const KAMAILIO_CFG = join(ROOT, 'deploy', 'kamailio', 'kamailio.cfg');
const SCENARIOS = join(ROOT, 'test', 'fixtures', 'sipp');

/** Kamailio and SIPp must be installed: a missing one fails the test with what to install (never a skip). */
export function requirePbxTools(): void {
  const missing = [
    ['kamailio', 'kamailio kamailio-json-modules kamailio-utils-modules'],
    ['sipp', 'sip-tester'],
  ].filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(
      `the PBX end-to-end test needs ${missing.map(([b]) => b).join(' and ')}: apt-get install ${missing.map(([, p]) => p).join(' ')} (bash .ci/run does)`,
    );
  }
}

/** A TCP port free on 127.0.0.1 now (the OS picks it). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** A UDP port free on `ip` now. */
export async function freeUdpPort(ip = '127.0.0.1'): Promise<number> {
  const socket = createSocket('udp4');
  socket.bind(0, ip);
  await once(socket, 'listening');
  const { port } = socket.address();
  socket.close();
  return port;
}

/** Sends SIP OPTIONS over UDP and resolves true when a 200 comes back within a second. */
async function optionsAnswered(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const local = socket.address().port;
    const msg = [
      `OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-ping-${Date.now()}`,
      `From: <sip:rig@127.0.0.1:${local}>;tag=rig`,
      `To: <sip:ping@127.0.0.1:${port}>`,
      `Call-ID: ping-${Date.now()}@rig`,
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 10',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const answered = new Promise<boolean>((done) => {
      socket.on('message', (m) => done(m.toString().startsWith('SIP/2.0 200')));
      setTimeout(() => done(false), 1_000);
    });
    socket.send(msg, port, '127.0.0.1');
    return await answered;
  } finally {
    socket.close();
  }
}

interface Child {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Children still running; killed if the test process exits without stopping them (a crash, a timeout). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Spawns `cmd` in `cwd`, feeding its output lines to `onLine`; stop() ends it and removes `cwd`. */
function spawnChild(cmd: string, args: string[], cwd: string, onLine?: (line: string) => void): Child {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let partial = '';
  const read = (c: Buffer) => {
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine?.(line);
  };
  child.stdout?.on('data', read);
  child.stderr?.on('data', read);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  return {
    child,
    async stop() {
      if (!exited) {
        const gone = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

export interface Kamailio {
  readonly sipPort: number;
  readonly rpcUrl: string;
  /** Kamailio's log lines (stderr, -E) since it started. */
  readonly log: string[];
  stop(): Promise<void>;
}

/**
 * Kamailio in the foreground (-DD -E) with deploy/kamailio/kamailio.cfg, SIP on udp:127.0.0.1:sipPort, the push
 * receiver on tcp:127.0.0.1:tcpPort, and `defines` as -A NAME=value (string values are quoted here).
 */
export async function startKamailio(o: { sipPort: number; tcpPort: number; defines: Record<string, string | number | true> }): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-kamailio-'));
  const defines = Object.entries(o.defines).flatMap(([k, v]) => ['-A', v === true ? k : typeof v === 'number' ? `${k}=${v}` : `${k}=${JSON.stringify(v)}`]);
  const args = [
    '-DD',
    '-E',
    '-f',
    KAMAILIO_CFG,
    '-Y',
    dir,
    '-m',
    '64',
    '-M',
    '8',
    '-l',
    `udp:127.0.0.1:${o.sipPort}`,
    '-l',
    `tcp:127.0.0.1:${o.tcpPort}`,
    ...defines,
  ];
  const log: string[] = [];
  const proc = spawnChild('kamailio', args, dir, (line) => log.push(line));
  const exited = () => proc.child.exitCode !== null || proc.child.signalCode !== null;
  await waitFor(
    async () => {
      if (exited()) throw new Error(`kamailio exited (${proc.child.exitCode}):\n${log.slice(-30).join('\n')}`);
      return optionsAnswered(o.sipPort);
    },
    `kamailio answering OPTIONS on udp:127.0.0.1:${o.sipPort}`,
    60_000,
  );
  return { sipPort: o.sipPort, rpcUrl: `http://127.0.0.1:${o.tcpPort}/RPC`, log, stop: () => proc.stop() };
}

/** SIPp's built-in UAS (answers every INVITE with 180 and 200) on udp:127.0.0.1:port: the called side. */
export async function startUas(port: number): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-uas-'));
  const uas = spawnChild('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-bind_local'], dir);
  await waitFor(async () => !(await bindable(port)), `sipp uas bound to udp:127.0.0.1:${port}`, 30_000);
  return uas;
}

/** True when udp:127.0.0.1:port can be bound (nothing listens there). */
async function bindable(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    socket.bind(port, '127.0.0.1');
    await Promise.race([once(socket, 'listening'), once(socket, 'error').then(([e]) => Promise.reject(e as Error))]);
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

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

/**
 * Places `calls` through Kamailio with SIPp (from `fromIp`, a loopback address of its own so that each scenario has
 * its own source address), `rate` calls/s, at most `limit` at once (1: one after another, in order). `uac-cancel`
 * hangs each call up 300 ms after its 100 Trying.
 */
export async function placeCalls(
  kamailio: { sipPort: number },
  calls: readonly Call[],
  o: { fromIp: string; rate?: number; limit?: number; scenario?: 'uac' | 'uac-cancel' },
): Promise<CallRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-uac-'));
  writeFileSync(join(dir, 'calls.csv'), ['SEQUENTIAL', ...calls.map((c) => `${c.caller};${c.callee};${c.account}`)].join('\n') + '\n');
  const port = await freeUdpPort(o.fromIp);
  // SIPp's own limit: a call that got no final answer in 40 s fails (Kamailio's worst case is one timeout)
  const args = [
    `127.0.0.1:${kamailio.sipPort}`,
    '-sf',
    join(SCENARIOS, `${o.scenario ?? 'uac'}.xml`),
    '-inf',
    'calls.csv',
    '-i',
    o.fromIp,
    '-p',
    String(port),
    '-m',
    String(calls.length),
  ];
  args.push('-r', String(o.rate ?? 10), '-l', String(o.limit ?? 1), '-nostdin', '-nd', '-recv_timeout', '40000', '-timeout', '300s');
  args.push('-trace_logs', '-log_file', 'outcomes.log', '-trace_err', '-error_file', 'errors.log', '-trace_rtt', '-rtt_freq', '1');
  const sipp = spawnChild('sipp', args, dir);
  const [exitCode] = (await once(sipp.child, 'exit')) as [number | null];
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
  const byNumber = new Map<number, { callId: string; status: string }>();
  for (const line of read('outcomes.log').split('\n')) {
    const [tag, callId = '', , status = ''] = line.split('|');
    if (tag === 'outcome') byNumber.set(Number(callId.split('-')[0]), { callId, status: status.replace(/^SIP\/2\.0 /, '').trim() });
  }
  const outcomes = calls.map((c, i) => ({ ...c, ...(byNumber.get(i + 1) ?? { callId: `${i + 1}-?`, status: 'failed' }) }));
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

/** p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
