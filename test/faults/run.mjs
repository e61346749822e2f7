// `npm run test:faults`: the fault-injection lane (README "Fault injection"), apart from `npm test`. Prepares the
// real peers like test/run.mjs, then runs test/faults/*.faults.ts one file at a time (each scenario has the
// machine to itself: they kill, cut and restart processes, and print figures). Arguments narrow the run by name:
//   npm run test:faults -- fuzz clickhouse
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const filters = process.argv.slice(2);
const files = readdirSync(join(root, 'test', 'faults'))
  .filter((file) => file.endsWith('.faults.ts'))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()
  .map((file) => join('test', 'faults', file));
if (files.length === 0) {
  console.error(`no fault scenario matches ${filters.join(' ')}`);
  process.exit(1);
}
const prepared = spawnSync(process.execPath, [join(root, 'test', 'rig', 'prepare.mjs')], { stdio: 'inherit' });
if (prepared.status !== 0) process.exit(prepared.status ?? 1);
const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=900000', '--test-force-exit', '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
process.exit(run.status ?? 1);
