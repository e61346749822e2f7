// A real PBX for end-to-end tests: Kamailio running deploy/kamailio/kamailio.cfg on loopback with a subscriber
// table of its own, and a SIPp UAS behind it (the called side); SIPp's callers and phones are in ./sipp.ts. Every
// process is a child of the test, started in the foreground and stopped by its pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../processor/rig.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const KAMAILIO_CFG = join(ROOT, 'deploy', 'kamailio', 'kamailio.cfg');

/** Kamailio and SIPp must be installed: a missing one fails the test with what to install (never a skip). */
export function requirePbxTools(): void {
  const missing = [
    ['kamailio', 'kamailio kamailio-extra-modules kamailio-utils-modules'],
    ['sipp', 'sip-tester'],
  ].filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  // jansson (security events) is in kamailio-extra-modules, http_client in kamailio-utils-modules
  const modules = spawnSync('sh', ['-c', 'ls /usr/lib/*/kamailio/modules/jansson.so /usr/lib/*/kamailio/modules/http_client.so']);
  if (missing.length === 0 && modules.status !== 0) missing.push(['kamailio modules', 'kamailio-extra-modules kamailio-utils-modules']);
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

/**
 * Sends SIP requests over UDP from `fromIp`, one after another, each built for the socket's local port and each
 * waiting up to `waitMs` for its answer; resolves each answer's status line ('' when none came). The same bytes
 * sent twice are a retransmission.
 */
export async function sipExchange(
  port: number,
  messages: readonly ((localPort: number) => string)[],
  o: { fromIp?: string; waitMs?: number } = {},
): Promise<string[]> {
  const socket = createSocket('udp4');
  try {
    socket.bind(0, o.fromIp ?? '127.0.0.1');
    await once(socket, 'listening');
    const local = socket.address().port;
    const statuses: string[] = [];
    for (const message of messages) {
      const answered = new Promise<string>((done) => {
        const onMessage = (m: Buffer) => {
          clearTimeout(timer);
          done(m.toString().split('\r\n')[0] ?? '');
        };
        const timer = setTimeout(() => {
          socket.off('message', onMessage);
          done('');
        }, o.waitMs ?? 1_000);
        socket.once('message', onMessage);
      });
      socket.send(message(local), port, '127.0.0.1');
      statuses.push(await answered);
    }
    return statuses;
  } finally {
    socket.close();
  }
}

/** Sends SIP OPTIONS over UDP and resolves true when a 200 comes back within a second. */
async function optionsAnswered(port: number): Promise<boolean> {
  const ping = (local: number) =>
    [
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
  const [status] = await sipExchange(port, [ping]);
  return status?.startsWith('SIP/2.0 200') ?? false;
}

export interface Child {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Children still running; killed if the test process exits without stopping them (a crash, a timeout). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Spawns `cmd` in `cwd`, feeding its output lines to `onLine`; stop() ends it and removes `cwd`. */
export function spawnChild(cmd: string, args: string[], cwd: string, onLine?: (line: string) => void): Child {
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
 * receiver on tcp:127.0.0.1:tcpPort, `subscribers` (user → password) in a db_text subscriber table of its own
 * (DBURL), and `defines` as -A NAME=value (string values are quoted here).
 */
export async function startKamailio(o: {
  sipPort: number;
  tcpPort: number;
  defines: Record<string, string | number | true>;
  subscribers?: Readonly<Record<string, string>>;
}): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-kamailio-'));
  const db = join(dir, 'dbtext');
  mkdirSync(db);
  // db_text tables as kamailio's schema files (/usr/share/kamailio/dbtext) declare them, the HA1 columns empty (the
  // cfg computes HA1 from the password); auth_db checks the table version
  writeFileSync(join(db, 'version'), 'id(int,auto) table_name(string) table_version(int) \n0:version:1\n0:subscriber:7\n');
  const rows = Object.entries(o.subscribers ?? {}).map(([user, password], i) => `${i + 1}:${user}::${password}:::`);
  writeFileSync(
    join(db, 'subscriber'),
    ['id(int,auto) username(string) domain(string,null) password(string) ha1(string,null) ha1b(string,null) ', ...rows, ''].join('\n'),
  );
  const all: Record<string, string | number | true> = { DBURL: `text://${db}`, ...o.defines };
  const defines = Object.entries(all).flatMap(([k, v]) => ['-A', v === true ? k : typeof v === 'number' ? `${k}=${v}` : `${k}=${JSON.stringify(v)}`]);
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
