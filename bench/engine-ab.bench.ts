/**
 * npm run bench:engine:ab -- OTHER_CHECKOUT — this build's engine against another checkout's (built, e.g. a
 * `git worktree` of the commit to compare with), on the same CDRs. Each measurement runs in a fresh process (no
 * heap, JIT or GC state carried from the other build's run), the two builds alternating which goes first. On a
 * shared, noisy machine two separate `bench:engine` runs differ by ±20 %; paired rounds compare far better.
 * Last line is machine-readable: the median ratio this/other.
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

/** One measurement (child process): CDRs per second through decode + engine of the build in `dir`. */
async function measure(dir: string): Promise<number> {
  const rules = ((await import(`${dir}/dist/adapters/files/rule-files.js`)) as typeof RuleFilesModule).loadRuleFiles(`${dir}/rules`);
  const decode = ((await import(`${dir}/dist/domain/cdr/parse.js`)) as typeof ParseModule).decodeCdrJson;
  const createEngine = ((await import(`${dir}/dist/domain/engine/build.js`)) as typeof BuildModule).createEngine;
  const lines = engineStream(COUNT, CALLERS).map((r) => r.line);
  const engine = createEngine(rules, base);
  const t0 = process.hrtime.bigint();
  for (const line of lines) {
    const decoded = decode(line);
    if (decoded.ok) engine.process(decoded.cdr, decoded.cdr.endedAt);
  }
  return lines.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

if (process.argv[2] === '--measure') {
  console.log(Math.round(await measure(resolve(process.argv[3] as string))));
  process.exit(0);
}
const other = process.argv[2];
if (!other) {
  console.error('usage: npm run bench:engine:ab -- OTHER_CHECKOUT (built: npm run build there)');
  process.exit(2);
}
function run(dir: string): number {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', dir], { encoding: 'utf8' });
  const perS = Number(child.stdout.trim());
  if (child.status !== 0 || !Number.isFinite(perS)) throw new Error(`measuring ${dir} failed: ${child.stderr}`);
  return perS;
}

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 8);
const mine = resolve('.');
const theirs = resolve(other);
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  let a: number;
  let b: number;
  if (round % 2 === 0) {
    a = run(mine);
    b = run(theirs);
  } else {
    b = run(theirs);
    a = run(mine);
  }
  ratios.push(a / b);
  console.error(`round ${round + 1}/${ROUNDS}: this ${Math.round(a)} CDRs/s, other ${Math.round(b)} CDRs/s, ratio ${(a / b).toFixed(3)}`);
}
ratios.sort((x, y) => x - y);
const median =
  ratios.length % 2 ? (ratios[ratios.length >> 1] as number) : ((ratios[ratios.length / 2 - 1] as number) + (ratios[ratios.length / 2] as number)) / 2;
console.log(
  `engine-ab rounds=${ROUNDS} cdrs=${COUNT} median_ratio=${median.toFixed(3)} min=${(ratios[0] as number).toFixed(3)} max=${(ratios.at(-1) as number).toFixed(3)}`,
);
