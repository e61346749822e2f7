/**
 * npm run bench:engine:ab -- OTHER_CHECKOUT — this build's engine against another checkout's (built, e.g. a
 * `git worktree` of the commit to compare with), on the same CDRs. Each measurement runs in a fresh process (no
 * heap, JIT or GC state carried from the other build's run), the two builds alternating which goes first. On a
 * shared, noisy machine two separate `bench:engine` runs differ by ±20 %; paired rounds compare far better. Each
 * round is also timed in process CPU time (user + system, GC threads included): when other work shares the cores,
 * time spent waiting for a core is not counted, so the CPU ratio is the steadier one.
 * Last line is machine-readable: the median ratios this/other, wall clock and CPU time.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as RuleFilesModule from '../src/adapters/files/rule-files.js';
import type * as ParseModule from '../src/domain/cdr/parse.js';
import type * as BuildModule from '../src/domain/engine/build.js';
import { engineStream } from './stream.js';

const COUNT = Number(process.env['BENCH_COUNT'] ?? 150_000);
const CALLERS = Number(process.env['BENCH_CALLERS'] ?? 100_000);
const base = { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', outsideLinePrefix: '0', internationalPrefix: '00' } };

/** One measurement (child process): CDRs per second through decode + engine of the build in `dir`, by wall clock and by CPU time. */
async function measure(dir: string): Promise<{ wall: number; cpu: number }> {
  const rules = ((await import(`${dir}/dist/adapters/files/rule-files.js`)) as typeof RuleFilesModule).loadRuleFiles(`${dir}/rules`);
  const decode = ((await import(`${dir}/dist/domain/cdr/parse.js`)) as typeof ParseModule).decodeCdrJson;
  const createEngine = ((await import(`${dir}/dist/domain/engine/build.js`)) as typeof BuildModule).createEngine;
  const lines = engineStream(COUNT, CALLERS).map((r) => r.line);
  const engine = createEngine(rules, base);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (const line of lines) {
    const decoded = decode(line);
    if (decoded.ok) engine.process(decoded.cdr, decoded.cdr.endedAt);
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: lines.length / (Number(process.hrtime.bigint() - t0) / 1e9), cpu: lines.length / ((cpu.user + cpu.system) / 1e6) };
}

if (process.argv[2] === '--measure') {
  const { wall, cpu } = await measure(resolve(process.argv[3] as string));
  console.log(`${Math.round(wall)} ${Math.round(cpu)}`);
  process.exit(0);
}
const other = process.argv[2];
if (!other) {
  console.error('usage: npm run bench:engine:ab -- OTHER_CHECKOUT (built: npm run build there)');
  process.exit(2);
}
function run(dir: string): { wall: number; cpu: number } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', dir], { encoding: 'utf8' });
  const [wall, cpu] = child.stdout.trim().split(' ').map(Number) as [number, number];
  if (child.status !== 0 || !Number.isFinite(wall) || !Number.isFinite(cpu)) throw new Error(`measuring ${dir} failed: ${child.stderr}`);
  return { wall, cpu };
}

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 8);
const mine = resolve('.');
const theirs = resolve(other);
const ratios: number[] = [];
const cpuRatios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  let a: { wall: number; cpu: number };
  let b: { wall: number; cpu: number };
  if (round % 2 === 0) {
    a = run(mine);
    b = run(theirs);
  } else {
    b = run(theirs);
    a = run(mine);
  }
  ratios.push(a.wall / b.wall);
  cpuRatios.push(a.cpu / b.cpu);
  console.error(
    `round ${round + 1}/${ROUNDS}: this ${a.wall} CDRs/s (CPU ${a.cpu}), other ${b.wall} CDRs/s (CPU ${b.cpu}), ratio ${(a.wall / b.wall).toFixed(3)} (CPU ${(a.cpu / b.cpu).toFixed(3)})`,
  );
}
/** Median, min and max of ratios, as `prefix`median_ratio=… min=… max=…. */
function summary(values: number[], prefix: string): string {
  const v = [...values].sort((x, y) => x - y);
  const median = v.length % 2 ? (v[v.length >> 1] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
  return `${prefix}median_ratio=${median.toFixed(3)} ${prefix}min=${(v[0] as number).toFixed(3)} ${prefix}max=${(v.at(-1) as number).toFixed(3)}`;
}
console.log(`engine-ab rounds=${ROUNDS} cdrs=${COUNT} ${summary(ratios, '')} ${summary(cpuRatios, 'cpu_')}`);
