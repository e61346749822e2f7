/**
 * npm run bench:lag — the two event-loop lag measurements side by side in one loop, under real busy-wait stalls:
 *  - @fastify/under-pressure 9.2's, reproduced: monitorEventLoopDelay at 10 ms resolution, read every 50 ms as
 *    mean - 10 ms (NaN, no sample in the interval, read as Infinity), then reset;
 *  - LoopLagMonitor as load shedding sets it up for the default 200 ms limit (timer lateness every 20 ms; a late tick
 *    counts for as long as it was late, at least 200 ms, at most 1 s).
 * 40 stalls of 60 ms (below the limit: never shed), then one of 1 s (above it: the requests it held up are shed),
 * each read at once after the stall (what the first request taken up sees) and every 25 ms for 150 ms.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { lagSampleInterval, LoopLagMonitor } from '../src/adapters/http/loop-lag.js';

const LIMIT = 200;
const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let underPressure = 0;
const sampler = setTimeout(function sample() {
  const mean = Math.max(0, histogram.mean / 1e6 - 10);
  underPressure = Number.isNaN(mean) ? Infinity : mean;
  histogram.reset();
  sampler.refresh();
}, 50);
const monitor = new LoopLagMonitor(lagSampleInterval(LIMIT), { min: LIMIT, max: 5 * LIMIT });
monitor.start();

type Read = { underPressure: number; monitor: number };
async function stallAndRead(ms: number): Promise<Read[]> {
  const end = performance.now() + ms;
  while (performance.now() < end);
  const reads: Read[] = [{ underPressure, monitor: monitor.lag() }];
  for (let i = 0; i < 6; i++) {
    await sleep(25);
    reads.push({ underPressure, monitor: monitor.lag() });
  }
  return reads;
}

const short: Read[] = [];
for (let i = 0; i < 40; i++) short.push(...(await stallAndRead(60)));
const long = await stallAndRead(1000);
sampler.close();
monitor.stop();

const above = (k: keyof Read) => short.filter((r) => r[k] > LIMIT).length;
const row = (k: keyof Read) => long.map((r) => Math.round(r[k])).join(' ');
console.log(
  `40 stalls of 60 ms, ${short.length} reads: above ${LIMIT} ms: under-pressure ${above('underPressure')} (Infinity ${short.filter((r) => r.underPressure === Infinity).length}), LoopLagMonitor ${above('monitor')} (max ${Math.round(Math.max(...short.map((r) => r.monitor)))} ms)`,
);
console.log(`1 s stall, read at once then every 25 ms: under-pressure ${row('underPressure')}; LoopLagMonitor ${row('monitor')}`);
