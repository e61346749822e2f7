// `npm test`: prepares the real peers (test/rig/prepare.mjs), then runs every test/**/*.test.ts with node's test
// runner (Node 20 has no glob support in `node --test`). Arguments narrow the run to paths containing them:
//   npm test -- numbering clickhouse
// With arguments, the Kafka rig is prepared only when a selected file needs it (see kafkaNeed below), so
// `npm test -- domain` installs and compiles nothing. Without arguments (the full suite, what CI runs) it is
// always prepared.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const filters = process.argv.slice(2);

const files = readdirSync(join(root, 'test'), { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => relative(root, join(root, 'test', file)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test file matches ${filters.join(' ')}`);
  process.exit(1);
}

// A test file needs the Kafka rig when its text mentions one of these, or one of its relative imports resolves to
// a path containing one (`../rig.js` from test/api/security is test/api/rig.js). Deliberately broad: when in
// doubt, prepare.
const KAFKA_MARKERS = ['rig/kafka', 'processor/rig', 'api/rig', 'rig/sentinela', 'startKafka'];

/** Why `file` needs the Kafka rig, or undefined when it does not. */
function kafkaNeed(file) {
  let text;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch (err) {
    return `${file} could not be read (${err.code ?? err.message})`;
  }
  const imported = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"`]([^'"`]+)['"`]/g)]
    .map((m) => m[1])
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) =>
      relative(root, resolve(root, dirname(file), specifier))
        .split(sep)
        .join('/'),
    );
  for (const marker of KAFKA_MARKERS) {
    if (text.includes(marker)) return `${file} mentions ${marker}`;
    const target = imported.find((path) => path.includes(marker));
    if (target !== undefined) return `${file} imports ${target}`;
  }
  return undefined;
}

let prepare = true;
if (filters.length === 0) {
  console.error('[run] Kafka rig: preparing (full suite)');
} else {
  const needs = files.map(kafkaNeed).filter((reason) => reason !== undefined);
  prepare = needs.length > 0;
  console.error(
    prepare
      ? `[run] Kafka rig: preparing (${needs.length} of ${files.length} selected files need it; first: ${needs[0]})`
      : `[run] Kafka rig: skipped (none of the ${files.length} selected files uses Kafka or the processor/API/CLI rigs)`,
  );
}
if (prepare) {
  const prepared = spawnSync(process.execPath, [join(root, 'test', 'rig', 'prepare.mjs')], { stdio: 'inherit' });
  if (prepared.status !== 0) process.exit(prepared.status ?? 1);
}

const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root });
process.exit(run.status ?? 1);
