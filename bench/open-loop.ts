/**
 * An open-loop load generator for bench:api, run as its own process:
 *   node --import tsx bench/open-loop.ts <origin> <rate> <seconds> [connections] [server pid]
 * Requests leave at evenly spaced times (rate per second, whatever the server answers), and each latency runs from
 * the moment the generator dispatched the request to its response: a request waiting for a free connection, or for
 * a stalled server, is charged all of it (no coordinated omission). Timers fire at best every millisecond, so a
 * request is dispatched up to a tick after its slot; that lateness is the generator's, reported apart (late_p99).
 * The first second (connections opening, both sides' JIT) is sent but not recorded. autocannon's `overallRate` is a per-second quota per connection: each connection fires
 * back to back at the start of every second until its quota is spent, a closed-loop burst with all connections in
 * flight; a fastify hello-world measured p99 14-30 ms under it at 5,000 req/s on this machine.
 * Requests come from bench/block-check-request.cjs (the saturation runs' requests). Prints one JSON line.
 */
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { schedSince } from './sched.js';

const [origin, rateArg, secondsArg, connectionsArg, serverPidArg] = process.argv.slice(2);
if (!origin || !rateArg || !secondsArg) throw new Error('usage: open-loop.ts <origin> <rate> <seconds> [connections] [server pid]');
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const setupRequest = createRequire(import.meta.url)('./block-check-request.cjs') as (r: { path?: string; headers: Record<string, string> }) => {
  path: string;
  headers: Record<string, string>;
};
const pool = new Pool(origin, { connections: Number(connectionsArg ?? 64), pipelining: 1 });
// microseconds, 1 µs to 60 s, 3 significant digits
const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const latency = histogram();
const lateness = histogram();
const WARMUP_S = 1;
const statuses = new Map<number, number>();
let sent = 0;
let done = 0;
let errors = 0;
/**
 * This process's main thread's share of the CPUs while it records (a generator starved of CPU times late), and the
 * server's main thread's over the same span when its pid is given.
 */
const serverPid = serverPidArg === undefined ? undefined : Number(serverPidArg);
let recording = schedSince(process.pid);
let serverRecording = schedSince(serverPid);

// within the histogram's range: a request answered after a minute reads a minute
const micros = (ms: number) => Math.min(60_000_000, Math.max(1, Math.round(ms * 1000)));

function send(dispatchedMs: number, record: boolean): void {
  const { path, headers } = setupRequest({ headers: {} });
  if (!record) {
    void pool.request({ method: 'GET', path, headers }).then(
      (res) => res.body.dump(),
      () => undefined,
    );
    return;
  }
  sent++;
  pool.request({ method: 'GET', path, headers }).then(
    async (res) => {
      await res.body.dump();
      latency.recordValue(micros(performance.now() - dispatchedMs));
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      done++;
    },
    () => {
      errors++;
      done++;
    },
  );
}

const interval = 1000 / rate;
const start = performance.now();
const warmup = Math.round(rate * WARMUP_S);
const total = warmup + Math.round(rate * seconds);
let next = 0;
// a 1 ms timer sends everything due by now (timers cannot fire every 200 µs)
while (next < total) {
  const now = performance.now();
  for (; next < total && start + next * interval <= now; next++) {
    if (next === warmup) [recording, serverRecording] = [schedSince(process.pid), schedSince(serverPid)];
    if (next >= warmup) lateness.recordValue(micros(now - (start + next * interval)));
    send(now, next >= warmup);
  }
  await sleep(1);
}
const deadline = performance.now() + 30_000;
while (done < sent && performance.now() < deadline) await sleep(5);
// a server still holding requests after 30 s: they are reported unanswered, not waited for
await (done < sent ? pool.destroy() : pool.close());
const [cpu, serverCpu] = [recording(), serverRecording()];
const ms = (q: number) => latency.getValueAtPercentile(q) / 1000;
process.stdout.write(
  `${JSON.stringify({
    rate,
    seconds,
    sent,
    answered: done - errors,
    errors,
    unanswered: sent - done,
    statuses: Object.fromEntries(statuses),
    // answers other than 200 (a shed request's fail-policy answer is a 200; an auth failure or 503 is not)
    non2xx: [...statuses].reduce((n, [status, count]) => (status === 200 ? n : n + count), 0),
    p50: ms(50),
    p90: ms(90),
    p99: ms(99),
    p999: ms(99.9),
    max: latency.maxValue / 1000,
    late_p99: lateness.getValueAtPercentile(99) / 1000,
    late_max: lateness.maxValue / 1000,
    run_pct: cpu.runPct,
    wait_pct: cpu.waitPct,
    server_run_pct: serverCpu.runPct,
    server_wait_pct: serverCpu.waitPct,
  })}\n`,
);
