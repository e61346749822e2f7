import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { IngestSummary } from '../../api/ports.js';
import type { VerdictBrief } from '../../domain/engine/verdict-json.js';
import { demoDay } from '../../demo/traffic.js';
import { SentinelaError } from '../../errors.js';
import { retry } from '../../retry.js';
import type { Command, CommandContext } from '../command.js';

const BATCHES = 60;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'start the embedded deployment and stream a synthetic day of traffic with fraud episodes through it',
  help: `Usage: sentinela demo [--exit] [--seconds N] [--port N]

Starts \`sentinela start\` in the embedded mode (chDB under SENTINELA_DATA_DIR, no Kafka), streams a bundled
synthetic day of PBX traffic (two tenants, ~12,000 calls, five fraud episodes) through POST /v1/cdrs at
accelerated speed, printing alerts and blocks as they happen, then leaves the API and the NOC console up (until
Ctrl-C) and prints a curl for block-check and the console's address and login (an administrator, noc.admin, made
on the first run; its password is kept in SENTINELA_DATA_DIR/demo-console-password). Server logs go to
SENTINELA_DATA_DIR/demo.log.

Options:
  --exit        stop the server and exit with a summary when the day is done (for scripts)
  --seconds N   how long the day takes to play (default 20)
  --port N      HTTP port (default SENTINELA_PORT)
  -h, --help    show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: { exit: { type: 'boolean', default: false }, seconds: { type: 'string', default: '20' }, port: { type: 'string' } },
      strict: true,
    });
    const seconds = Number(values.seconds);
    if (!(seconds >= 0 && seconds <= 3600)) throw new SentinelaError('CLI_USAGE', '--seconds: a number from 0 to 3600');
    const config = ctx.config();
    const port = values.port === undefined ? config.http.port : Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new SentinelaError('CLI_USAGE', '--port: 1-65535');
    const base = `http://127.0.0.1:${port}`;
    const dataDir = config.clickhouse.mode === 'embedded' ? config.clickhouse.dataDir : '.';
    mkdirSync(dataDir, { recursive: true });
    const logFile = join(dataDir, 'demo.log');
    const out = openSync(logFile, 'a');
    const env: NodeJS.ProcessEnv = { ...process.env, MIGRATE_ON_START: 'true', SENTINELA_PORT: String(port), SENTINELA_HOST: '127.0.0.1' };
    delete env['KAFKA_BROKERS'];
    const self = [...process.execArgv, process.argv[1] ?? 'bin/sentinela.js'];
    // the PBX side of the demo authenticates like a real one: a key made with `sentinela apikey add` (audited)
    const key = await issueKey(self, env);
    const login = await consoleLogin(self, env, dataDir);
    const auth = { authorization: `Bearer ${key}` };
    const server = spawn(process.execPath, [...self, 'start'], { env, stdio: ['ignore', out, out] });
    let exited = false;
    server.once('exit', () => (exited = true));
    const stopServer = async () => {
      if (exited) return;
      server.kill('SIGTERM');
      await once(server, 'exit');
    };
    try {
      ctx.stderr(`starting Sentinela (embedded, data in ${dataDir}, log ${logFile}) …`);
      await waitReady(base, () => exited, logFile);
      const day = demoDay(Date.now());
      ctx.stdout(`streaming a synthetic day: ${day.cdrs.length.toLocaleString('en')} CDRs, ${day.episodes.length} fraud episodes, in ${seconds} s`);
      for (const e of day.episodes) ctx.stdout(`  · ${e.what}`);
      const totals = await play(base, auth, day.cdrs, seconds, ctx);
      ctx.stdout('');
      ctx.stdout(
        `done: ${totals.accepted.toLocaleString('en')} CDRs accepted, ${totals.rejected} rejected, ${totals.alerts} alerts (critical ones above), ${totals.throttles} throttles, ${totals.blocks} blocks`,
      );
      const b = day.blocked;
      const q = new URLSearchParams({ tenant: b.tenant, account: b.account, caller: b.caller, callee: b.callee });
      const curl = `curl -s '${base.replace('127.0.0.1', 'localhost')}/v1/block-check?${q.toString()}' -H 'Authorization: Bearer ${key}'`;
      const answer = await (await fetch(`${base}/v1/block-check?${q.toString()}`, { headers: auth })).json();
      ctx.stdout(`block-check for the compromised extension answers: ${JSON.stringify(answer)}`);
      ctx.stdout(`try it:  ${curl}`);
      ctx.stdout(`API docs: ${base.replace('127.0.0.1', 'localhost')}/docs`);
      ctx.stdout(`NOC console: ${base.replace('127.0.0.1', 'localhost')}/console/  (user ${login.user}, password ${login.password})`);
      if (values.exit) {
        await stopServer();
        return 0;
      }
      ctx.stdout('the API and the console stay up; Ctrl-C to stop');
      await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM'), once(server, 'exit')]);
      await stopServer();
      return 0;
    } catch (err) {
      await stopServer();
      throw err;
    }
  },
};

async function waitReady(base: string, exited: () => boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited()) throw new SentinelaError('INTERNAL', `the server exited while starting; see ${logFile}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new SentinelaError('INTERNAL', `the server did not become ready within 120 s; see ${logFile}`);
}

async function play(base: string, auth: Record<string, string>, cdrs: readonly object[], seconds: number, ctx: CommandContext) {
  const totals = { accepted: 0, rejected: 0, alerts: 0, blocks: 0, throttles: 0 };
  const size = Math.ceil(cdrs.length / BATCHES);
  const started = Date.now();
  const tty = process.stderr.isTTY;
  for (let i = 0; i < BATCHES; i++) {
    const slice = cdrs.slice(i * size, (i + 1) * size);
    if (slice.length === 0) break;
    const body = slice.map((c) => JSON.stringify(c)).join('\n');
    // a busy machine sheds requests (503, README "Load shedding"): send again, as a PBX would; ids make it idempotent
    const response = await retry(
      async () => {
        const answer = await fetch(`${base}/v1/cdrs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body });
        if (answer.status === 503) throw new SentinelaError('OVERLOADED', `POST /v1/cdrs answered 503: ${await answer.text()}`);
        return answer;
      },
      { backoff: { initialMs: 500, maxMs: 5_000 }, attempts: 8 },
    );
    if (!response.ok && response.status !== 422) throw new SentinelaError('INTERNAL', `POST /v1/cdrs answered ${response.status}: ${await response.text()}`);
    const summary = (await response.json()) as IngestSummary;
    totals.accepted += summary.accepted;
    totals.rejected += summary.rejected.length;
    if (tty && summary.verdicts.length > 0) process.stderr.write('\r\u001b[K');
    for (const v of summary.verdicts) {
      if (v.liftedAt !== undefined) continue; // a throttle its block superseded: the block is listed and counted
      totals[v.kind === 'alert' ? 'alerts' : v.throttle ? 'throttles' : 'blocks']++;
      if (v.severity === 'critical') ctx.stdout(describe(v)); // warnings are counted, not printed
    }
    const done = Math.min(cdrs.length, (i + 1) * size);
    const bar = '█'.repeat(Math.round((done / cdrs.length) * 30)).padEnd(30, '░');
    if (tty) process.stderr.write(`\r${bar} ${String(Math.round((done / cdrs.length) * 100)).padStart(3)}%  ${done.toLocaleString('en')} CDRs`);
    else if ((i + 1) % 10 === 0) ctx.stderr(`${bar} ${Math.round((done / cdrs.length) * 100)}%  ${done} CDRs`);
    const wait = started + ((i + 1) / BATCHES) * seconds * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
  }
  if (tty) process.stderr.write('\n');
  return totals;
}

const local = (iso: string) =>
  new Date(iso).toLocaleString('pt-BR', { timeZone: 'America/Sao_Paulo', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit' });
function describe(v: VerdictBrief): string {
  if (v.kind === 'block' && v.throttle)
    return `  THROTTLE ${v.throttle}  ${local(v.at)}  ${v.tenant.padEnd(7)} ${v.rule.padEnd(28)} ${v.subject}  until ${local(v.expiresAt ?? v.at)}`;
  if (v.kind === 'block') return `  BLOCK  ${local(v.at)}  ${v.tenant.padEnd(7)} ${v.rule.padEnd(28)} ${v.subject}  until ${local(v.expiresAt ?? v.at)}`;
  return `  alert  ${local(v.at)}  ${v.tenant.padEnd(7)} ${v.rule.padEnd(28)} ${v.subject}  (${v.severity})`;
}

/** Runs `sentinela apikey add` for the demo's PBX and returns the key it prints. */
async function issueKey(self: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { code, out, err } = await run(self, ['apikey', 'add', '--tenant', '*', '--name', 'demo-pbx'], env);
  const key = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !key.startsWith('snk_')) throw new SentinelaError('INTERNAL', `could not issue the demo's API key: ${err.trim()}`);
  return key;
}

const CONSOLE_USER = 'noc.admin';

/**
 * The console's administrator, made with `sentinela user add` (audited) on the first run. There is no default
 * password: a random one is made then and kept, readable by the owner only, beside the demo's data for later runs.
 */
async function consoleLogin(self: readonly string[], env: NodeJS.ProcessEnv, dataDir: string): Promise<{ user: string; password: string }> {
  const file = join(dataDir, 'demo-console-password');
  const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  const password = kept || `Demo-${randomBytes(6).toString('hex')}#X9`;
  const { code, err } = await run(self, ['user', 'add', '--name', CONSOLE_USER, '--role', 'administrator', '--password-stdin'], env, `${password}\n`);
  if (code === 0) {
    if (!kept) writeFileSync(file, `${password}\n`, { mode: 0o600 });
    return { user: CONSOLE_USER, password };
  }
  if (!err.includes('already exists')) throw new SentinelaError('INTERNAL', `could not make the console's user: ${err.trim()}`);
  // made by a run whose password file is gone: the password printed would not be its own
  return { user: CONSOLE_USER, password: kept || `the one printed when ${CONSOLE_USER} was made (${file} is missing)` };
}

async function run(self: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv, input?: string) {
  const child = spawn(process.execPath, [...self, ...args], { env: { ...env, LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(input ?? '');
  const [code] = (await once(child, 'exit')) as [number];
  return { code, out, err };
}
