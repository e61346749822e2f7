/**
 * npm run bench:engine:ab -- OTHER_CHECKOUT — this build's engine against another checkout's (built, e.g. a
 * `git worktree` of the commit to compare with), on the same CDRs, in one process, alternating which runs first and
 * collecting garbage between runs. On a shared, noisy machine two separate `bench:engine` runs differ by ±20 %;
 * interleaved rounds compare far better. Last line is machine-readable: the median ratio this/other.
 */
import { resolve } from 'node:path';
import type * as RuleFilesModule from '../src/adapters/files/rule-files.js';
import type * as ParseModule from '../src/domain/cdr/parse.js';
import type * as BuildModule from '../src/domain/engine/build.js';
import { engineStream } from './stream.js';

const other = process.argv[2];
if (!other) {
  console.error('usage: npm run bench:engine:ab -- OTHER_CHECKOUT (built: npm run build there)');
  process.exit(2);
}
async function load(dir: string) {
  return {
    rules: ((await import(`${dir}/dist/adapters/files/rule-files.js`)) as typeof RuleFilesModule).loadRuleFiles(`${dir}/rules`),
    decode: ((await import(`${dir}/dist/domain/cdr/parse.js`)) as typeof ParseModule).decodeCdrJson,
    createEngine: ((await import(`${dir}/dist/domain/engine/build.js`)) as typeof BuildModule).createEngine,
  };
}
const mine = await load(resolve('.'));
const theirs = await load(resolve(other));
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 8);
const lines = engineStream(Number(process.env['BENCH_COUNT'] ?? 150_000), Number(process.env['BENCH_CALLERS'] ?? 100_000)).map((r) => r.line);
const base = { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', outsideLinePrefix: '0', internationalPrefix: '00' } };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function run(build: typeof mine): number {
  gc();
  const engine = build.createEngine(build.rules, base);
  const t0 = process.hrtime.bigint();
  for (const line of lines) {
    const decoded = build.decode(line);
    if (decoded.ok) engine.process(decoded.cdr, decoded.cdr.endedAt);
  }
  return lines.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const [a, b] = round % 2 === 0 ? [run(mine), run(theirs)] : [run(theirs), run(mine)].reverse();
  ratios.push((a as number) / (b as number));
  console.error(
    `round ${round + 1}/${ROUNDS}: this ${Math.round(a as number)} CDRs/s, other ${Math.round(b as number)} CDRs/s, ratio ${(ratios.at(-1) as number).toFixed(3)}`,
  );
}
ratios.sort((x, y) => x - y);
console.log(
  `engine-ab rounds=${ROUNDS} cdrs=${lines.length} median_ratio=${(ratios[Math.floor(ratios.length / 2)] as number).toFixed(3)} min=${(ratios[0] as number).toFixed(3)} max=${(ratios.at(-1) as number).toFixed(3)}`,
);
