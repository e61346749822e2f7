/**
 * npm run bench:api — in one run, on the built code:
 *  (a) block-check driven to saturation with autocannon against `sentinela start` (embedded, --role all) holding
 *      BENCH_BLOCKS active blocks, and a fastify hello-world route given the same requests: req/s and their ratio
 *      (and, as before, hello-world given one static request: ratio_static);
 *  (b) block-check open-loop at BENCH_RATE req/s (bench/open-loop.ts: evenly spaced, its own process), alone and
 *      while the same deployment ingests BENCH_INGEST CDR/s through POST /v1/cdrs (the pipeline runs in its child
 *      process): p50/p99/p99.9; hello-world given the same open loop (hello_quiet_p99_ms) is the floor;
 *      how the server's main thread shared the CPUs meanwhile (quiet_main_run_pct, quiet_main_wait_pct: runnable
 *      but waiting for a CPU; ingest_main_wait_pct under ingest) and the generator's own wait (generator_wait_pct,
 *      ingest_generator_wait_pct: a starved generator reads its answers late, bench/sched.ts; its timer's worst
 *      lateness: generator_late_max_ms), all over the span the generator records;
 *  (c) memory per active block of the block table (heap delta, in this process, after GC);
 *  (d) the cost of PBX authentication: the saturation run of (a) again on a server restarted with
 *      SENTINELA_PBX_AUTH=none; (a) and (b) send a PBX API key (issued with `sentinela apikey add`).
 * `--quick` (development): 200,000 blocks, 2 s runs, no (d); under a minute. BENCH_* variables still win.
 * Last line is machine-readable; bootstrap_s is the block table's load (the server's own gauge), ready_s the time
 * from spawning `sentinela start` to /readyz (pipeline child included).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import type * as TableModule from '../src/domain/blocks/block-table.js';
import type * as BlockModule from '../src/domain/blocks/block.js';
import { prng } from './stream.js';
import { residentMb } from './sched.js';

const dist = '../dist';
const { BlockTable } = (await import(`${dist}/domain/blocks/block-table.js`)) as typeof TableModule;
const { NO_EVIDENCE } = (await import(`${dist}/domain/blocks/block.js`)) as typeof BlockModule;
const QUICK = process.argv.includes('--quick');
const BLOCKS = Number(process.env['BENCH_BLOCKS'] ?? (QUICK ? 200_000 : 1_000_000));
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? (QUICK ? 2 : 10));
const WARMUP = QUICK ? 1 : 2;
const RATE = Number(process.env['BENCH_RATE'] ?? 5_000);
const INGEST = Number(process.env['BENCH_INGEST'] ?? 20_000);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 64);
const benchStarted = performance.now();
const log = (line: string) => process.stderr.write(`[${((performance.now() - benchStarted) / 1000).toFixed(0)} s] ${line}\n`);
const setupRequest = resolve('bench/block-check-request.cjs');

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

const serverLogPath = join(tmpdir(), `sentinela-bench-api-server-${process.pid}.log`); // kept: read it after a run
const serverLog = openSync(serverLogPath, 'w');
function run(args: string[], env: Record<string, string> = {}, logTo?: number): ChildProcess {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', logTo ?? 'pipe', logTo ?? 'inherit'] });
  children.push(child);
  return child;
}
async function firstLine(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    text += chunk.toString();
    if (text.includes('\n')) return text.split('\n')[0] ?? '';
  }
  throw new Error('process ended without output');
}
async function ready(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`${url} never became ready`);
}
/** Waits (30 s at most) until the server's attempt backlog is empty, then 2 s for whatever else (a) left running. */
async function settled(): Promise<void> {
  const backlog = async () => Number(/^sentinela_block_check_attempts_backlog (\d+)/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);
  const started = performance.now();
  while ((await backlog()) > 0 && performance.now() - started < 30_000) await sleep(250);
  await sleep(2_000);
  log(`settled ${((performance.now() - started) / 1000).toFixed(1)} s after the saturation runs`);
}
interface OpenLoopResult {
  answered: number;
  non2xx: number;
  errors: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  late_p99: number;
  late_max: number;
  server_run_pct: number;
  server_wait_pct: number;
  run_pct: number;
  wait_pct: number;
}
/** bench/open-loop.ts in its own process: RATE requests per second at even spacing, latency percentiles in ms */
async function openLoop(origin: string, rate: number, seconds: number, serverPid?: number): Promise<OpenLoopResult> {
  const args = [origin, String(rate), String(seconds), String(CONNECTIONS), ...(serverPid === undefined ? [] : [String(serverPid)])];
  const child = run(['--import', 'tsx', 'bench/open-loop.ts', ...args]);
  const result = JSON.parse(await firstLine(child)) as OpenLoopResult;
  await once(child, 'exit');
  return result;
}
function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolvePromise, reject) => {
    autocannon(opts, (err: unknown, result) => (err ? reject(err instanceof Error ? err : new Error('autocannon failed')) : resolvePromise(result)));
  });
}

// --- the deployment: seed BLOCKS blocks, start `sentinela start` (embedded: API + pipeline child) -------------
const dataDir = mkdtempSync(join(tmpdir(), 'sentinela-bench-api-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const env = {
  SENTINELA_DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  SENTINELA_PORT: String(18400 + Math.floor(Math.random() * 500)),
  SENTINELA_HOST: '127.0.0.1',
  MIGRATE_ON_START: 'true',
};
const seed = run(['--import', 'tsx', 'bench/api-seed.ts'], { ...env, BENCH_BLOCKS: String(BLOCKS) });
log(`bench:api: ${(await firstLine(seed)).trim()}; the server logs to ${serverLogPath}`);
await once(seed, 'exit');
const issue = run(['bin/sentinela.js', 'apikey', 'add', '--tenant', '*', '--name', 'bench'], env);
const key = (await firstLine(issue)).trim();
await once(issue, 'exit');
process.env['BENCH_KEY'] = key; // block-check-request.cjs sends it
const started = performance.now();
let server = run(['bin/sentinela.js', 'start'], env, serverLog); // its log is never left unread in a pipe
const base = `http://127.0.0.1:${env.SENTINELA_PORT}`;
await ready(`${base}/readyz`);
const metrics = await (await fetch(`${base}/metrics`)).text();
const readySeconds = (performance.now() - started) / 1000;
const active = Number(/^sentinela_active_blocks (\d+)/m.exec(metrics)?.[1] ?? 0);
const bootstrapSeconds = Number(/^sentinela_block_table_bootstrap_seconds ([\d.e-]+)/m.exec(metrics)?.[1] ?? NaN);
const memory = residentMb(server.pid); // at ready: the API with its block table, the pipeline with its rebuilt rule state
log(
  `bench:api: server ready with ${active.toLocaleString('en')} active blocks in ${readySeconds.toFixed(1)} s (block table loaded in ${bootstrapSeconds.toFixed(2)} s); resident: API ${memory.self.toFixed(0)} MB, pipeline ${memory.children.toFixed(0)} MB`,
);

const hello = run(['--import', 'tsx', 'bench/hello-server.ts']);
const helloPort = Number(await firstLine(hello));

// --- (a) saturation --------------------------------------------------------------------------------------------
const common = { connections: CONNECTIONS, duration: SECONDS, workers: 2 } as const;
await cannon({ ...common, duration: WARMUP, url: base, requests: [{ method: 'GET', setupRequest }] }); // warm-up
const api = await cannon({ ...common, url: base, requests: [{ method: 'GET', setupRequest }] });
// the baseline gets the very same requests (path, query, API key header) from the same setupRequest: building a
// request per call costs autocannon as much CPU on these two cores as a check costs the server, so a static
// /hello (one prebuilt request) measured the load generator's share, not the server's. Both are reported.
const helloUrl = `http://127.0.0.1:${helloPort}`;
await cannon({ ...common, duration: WARMUP, url: helloUrl, requests: [{ method: 'GET', setupRequest }] });
const helloRun = await cannon({ ...common, url: helloUrl, requests: [{ method: 'GET', setupRequest }] });
const helloStatic = await cannon({ ...common, url: `${helloUrl}/hello` });
const apiRps = api.requests.average;
const helloRps = helloRun.requests.average;
const helloStaticRps = helloStatic.requests.average;
log(
  `(a) saturation, ${CONNECTIONS} connections, ${SECONDS} s each: block-check with API key ${Math.round(apiRps).toLocaleString('en')} req/s (non-2xx ${api.non2xx}), hello-world given the same requests ${Math.round(helloRps).toLocaleString('en')} req/s, ratio ${(apiRps / helloRps).toFixed(2)}; hello-world given one static request ${Math.round(helloStaticRps).toLocaleString('en')} req/s, ratio ${(apiRps / helloStaticRps).toFixed(2)}`,
);

// --- (b) open loop, first alone (baseline), then under ingest ------------------------------------------------------
// after the saturation runs, once the server has counted every attempt it answered (the attempt thread's backlog:
// work left over from (a) would be measured as (b)'s tail) and for 2 s at most beyond
await settled();
const quiet = await openLoop(base, RATE, Math.max(2, Math.round(SECONDS / 2)), server.pid);
const helloQuiet = await openLoop(helloUrl, RATE, Math.max(2, Math.round(SECONDS / 2)));
log(
  `(b) open loop ${RATE} req/s without ingest (baseline): p50 ${quiet.p50} ms, p99 ${quiet.p99} ms, p99.9 ${quiet.p999} ms (${quiet.answered} answered, ${quiet.errors} errors; generator's lateness p99 ${quiet.late_p99} ms, max ${quiet.late_max} ms); hello-world given the same: p99 ${helloQuiet.p99} ms, p99.9 ${helloQuiet.p999} ms; the server's main thread ran ${quiet.server_run_pct} % of the time and waited for a CPU ${quiet.server_wait_pct} %, the generator's ${quiet.run_pct} % and ${quiet.wait_pct} %`,
);
const { rand, digits } = prng(5);
const SLICE = 1000;
const slices: string[] = [];
const now = Date.now();
for (let s = 0; s < Math.ceil((INGEST * SECONDS) / SLICE); s++) {
  const lines: string[] = [];
  for (let i = 0; i < SLICE; i++) {
    const start = now - 3_600_000 + Math.floor(rand() * 3_500_000);
    const bill = rand() < 0.3 ? 0 : 5 + Math.floor(rand() * 300);
    lines.push(
      JSON.stringify({
        id: `b-${s}-${i}`,
        tenant: `t${Math.floor(rand() * 40)}`,
        account: `a${Math.floor(rand() * 500)}`,
        caller: `+5511${digits(8)}`,
        callee: `0${rand() < 0.6 ? '9' : '3'}${digits(8)}`,
        srcIp: `172.16.${Math.floor(rand() * 250)}.${Math.floor(rand() * 250)}`,
        startedAt: start,
        answeredAt: bill > 0 ? start + 2000 : null,
        endedAt: start + 2000 + bill * 1000,
        durationSec: bill + 2,
        billSec: bill,
        disposition: bill > 0 ? 'ANSWERED' : 'NO ANSWER',
      }),
    );
  }
  slices.push(lines.join('\n'));
}
let ingested = 0;
let ingesting = true;
// --quick waits at most 2 s for the bodies still in flight when the open loop ends (a slow pipeline's backlog takes
// many seconds): the ingest rate is then what was acknowledged by then
const ingestAbort = new AbortController();
const ingestStarted = performance.now();
const ingest = (async () => {
  const interval = (SLICE / INGEST) * 1000;
  const inFlight: Promise<void>[] = [];
  for (let s = 0; s < slices.length && ingesting; s++) {
    const due = ingestStarted + s * interval - performance.now();
    if (due > 0) await sleep(due);
    inFlight.push(
      fetch(`${base}/v1/cdrs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
        body: slices[s] as string,
        signal: ingestAbort.signal,
      }).then(
        async (r) => {
          const summary = (await r.json()) as { accepted: number };
          ingested += summary.accepted ?? 0;
        },
        (err: unknown) => {
          if (!ingestAbort.signal.aborted) throw err;
        },
      ),
    );
    if (inFlight.length > 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
})();
// the generator is its own process: the ingest posting in this one must not delay it
const open = await openLoop(base, RATE, SECONDS, server.pid);
ingesting = false;
if (QUICK) setTimeout(() => ingestAbort.abort(), 2_000).unref();
await ingest;
const ingestSeconds = (performance.now() - ingestStarted) / 1000;
log(
  `    open loop ${RATE} req/s for ${SECONDS} s while ingesting ${INGEST.toLocaleString('en')} CDR/s offered: ${open.answered.toLocaleString('en')} checks answered (${open.errors} errors), p50 ${open.p50} ms, p99 ${open.p99} ms, p99.9 ${open.p999} ms, max ${open.max} ms (generator's lateness p99 ${open.late_p99} ms, max ${open.late_max} ms); ingest achieved ${Math.round(ingested / ingestSeconds).toLocaleString('en')} CDR/s (${ingested.toLocaleString('en')} CDRs); the server's main thread ran ${open.server_run_pct} % and waited for a CPU ${open.server_wait_pct} %, the generator's ${open.run_pct} % and ${open.wait_pct} %`,
);

// --- (d) the same saturation without authentication ---------------------------------------------------------------
// --quick leaves it out (a second server start): noauth_rps and auth_ratio read NaN
let noAuthRps = NaN;
if (!QUICK) {
  server.kill('SIGTERM');
  await once(server, 'exit');
  delete process.env['BENCH_KEY'];
  server = run(['bin/sentinela.js', 'start'], { ...env, SENTINELA_PBX_AUTH: 'none' }, serverLog);
  await ready(`${base}/readyz`);
  await cannon({ ...common, duration: WARMUP, url: base, requests: [{ method: 'GET', setupRequest }] });
  const open2 = await cannon({ ...common, url: base, requests: [{ method: 'GET', setupRequest }] });
  noAuthRps = open2.requests.average;
  log(
    `(d) saturation without authentication: ${Math.round(noAuthRps).toLocaleString('en')} req/s (non-2xx ${open2.non2xx}); with API key / without: ${(apiRps / noAuthRps).toFixed(2)}`,
  );
}

// --- (c) memory per block -------------------------------------------------------------------------------------------
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage().heapUsed;
const table = new BlockTable();
const t0 = Date.now();
for (let i = 0; i < BLOCKS; i++) {
  const kind = (['caller', 'ip', 'destPrefix'] as const)[i % 3] as 'caller';
  table.apply(
    {
      kind: 'block',
      severity: 'critical',
      evidence: NO_EVIDENCE,
      id: `seed-${i}`,
      tenant: `t${i % 40}`,
      rule: 'velocity-caller',
      subject: { kind, value: kind === 'caller' ? `+5511${String(i).padStart(8, '0')}` : `10.${(i >> 16) % 256}.${(i >> 8) % 256}.${i % 256}` },
      reason: 'seeded for bench:api',
      level: 1,
      scope: 'all',
      startsAt: t0 - 60_000,
      expiresAt: t0 + 86_400_000,
      source: 'rule',
      createdBy: '',
      state: 'active',
    },
    t0,
  );
}
gc?.();
const bytesPerBlock = Math.round((process.memoryUsage().heapUsed - before) / table.size);
log(
  `(c) block table: ${table.size.toLocaleString('en')} blocks, ${bytesPerBlock} bytes per block (heap after GC${gc ? '' : ' — run with --expose-gc for exact figures'})`,
);

console.log(
  `api rps=${Math.round(apiRps)} noauth_rps=${Math.round(noAuthRps)} auth_ratio=${(apiRps / noAuthRps).toFixed(2)} hello_rps=${Math.round(helloRps)} ratio=${(apiRps / helloRps).toFixed(2)} hello_static_rps=${Math.round(helloStaticRps)} ratio_static=${(apiRps / helloStaticRps).toFixed(2)} p50_ms=${open.p50} p99_ms=${open.p99} p999_ms=${open.p999} quiet_p99_ms=${quiet.p99} quiet_p999_ms=${quiet.p999} hello_quiet_p99_ms=${helloQuiet.p99} quiet_main_run_pct=${quiet.server_run_pct} quiet_main_wait_pct=${quiet.server_wait_pct} ingest_main_wait_pct=${open.server_wait_pct} generator_wait_pct=${quiet.wait_pct} ingest_generator_wait_pct=${open.wait_pct} open_non2xx=${quiet.non2xx + open.non2xx} generator_late_p99_ms=${Math.max(quiet.late_p99, open.late_p99)} generator_late_max_ms=${Math.max(quiet.late_max, open.late_max)} ingest_cdr_s=${Math.round(ingested / ingestSeconds)} bytes_per_block=${bytesPerBlock} blocks=${active} bootstrap_s=${bootstrapSeconds.toFixed(2)} ready_s=${readySeconds.toFixed(1)} rss_api_mb=${memory.self.toFixed(0)} rss_pipeline_mb=${memory.children.toFixed(0)}`,
);
server.kill('SIGTERM');
hello.kill('SIGTERM');
