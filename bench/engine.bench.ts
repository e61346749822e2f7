/**
 * npm run bench:engine — CDRs per second through decoding, normalisation and every shipped rule, against bare
 * JSON.parse of the same lines measured in the same run; and the velocity rule's bytes per active key.
 * Stream: BENCH_COUNT CDRs (default 1M) over one day, BENCH_CALLERS callers (100k) in 5,000 accounts of 10
 * tenants, arriving in call-end order (out of order by start), 1 % fraud (bursts, enumeration, IRSF pumping,
 * premium calls). `--quick` (npm run bench:engine -- --quick): 100k CDRs unless BENCH_COUNT says otherwise, for use
 * during development (well under a minute). Last line is machine-readable.
 */
import type * as RuleFilesModule from '../src/adapters/files/rule-files.js';
import type * as ParseModule from '../src/domain/cdr/parse.js';
import type * as BuildModule from '../src/domain/engine/build.js';
import type * as DedupModule from '../src/domain/engine/dedup.js';
import type * as EngineModule from '../src/domain/engine/engine.js';
import type * as KeyedLogModule from '../src/domain/engine/windows/keyed-log.js';
import type * as UsageModule from '../src/domain/usage/usage-book.js';
import { engineStream } from './stream.js';

// The compiled build (npm run build), as production runs it; BENCH_SOURCE=src measures the TypeScript through tsx.
const lib = process.env['BENCH_SOURCE'] === 'src' ? '../src' : '../dist';
const { loadRuleFiles } = (await import(`${lib}/adapters/files/rule-files.js`)) as typeof RuleFilesModule;
const { decodeCdrJson } = (await import(`${lib}/domain/cdr/parse.js`)) as typeof ParseModule;
const { createEngine } = (await import(`${lib}/domain/engine/build.js`)) as typeof BuildModule;
const { CallDedup } = (await import(`${lib}/domain/engine/dedup.js`)) as typeof DedupModule;
const { DEFAULT_ALLOWED_LATENESS_MS } = (await import(`${lib}/domain/engine/engine.js`)) as typeof EngineModule;
const { KeyedLog } = (await import(`${lib}/domain/engine/windows/keyed-log.js`)) as typeof KeyedLogModule;
const { UsageBook } = (await import(`${lib}/domain/usage/usage-book.js`)) as typeof UsageModule;

const QUICK = process.argv.includes('--quick');
const COUNT = Number(process.env['BENCH_COUNT'] ?? (QUICK ? 100_000 : 1_000_000));
const CALLERS = Number(process.env['BENCH_CALLERS'] ?? 100_000);
const rows = engineStream(COUNT, CALLERS);
const lines = rows.map((r) => r.line);
console.error(`generated ${lines.length} CDRs (${(lines.reduce((n, l) => n + l.length, 0) / lines.length).toFixed(0)} bytes avg), ${CALLERS} callers`);

function parseRun(): number {
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const line of lines) n += (JSON.parse(line) as { billSec: number }).billSec;
  if (n < 0) console.error(n);
  return lines.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const ruleFiles = loadRuleFiles('rules');
const base = { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', outsideLinePrefix: '0', internationalPrefix: '00' } };
function engineRun(): { perS: number; verdicts: number; rejected: number; keys: Record<string, number> } {
  const engine = createEngine(ruleFiles, base);
  let verdicts = 0;
  let rejected = 0;
  const t0 = process.hrtime.bigint();
  for (const line of lines) {
    const decoded = decodeCdrJson(line);
    if (!decoded.ok) {
      rejected++;
      continue;
    }
    verdicts += engine.process(decoded.cdr, decoded.cdr.endedAt).verdicts.length;
  }
  const perS = lines.length / (Number(process.hrtime.bigint() - t0) / 1e9);
  return { perS, verdicts, rejected, keys: engine.keyCounts() };
}

/**
 * The ratio's budget, stage by stage over the first 200k lines: decoding alone (JSON.parse and the contract),
 * decoding and describing (number normalisation, enrichment), and an engine with no rules (the duplicate check,
 * tenant streams, what signalling learns of every call; usage profiles are learned for the rules that read them):
 * what is left of the goal's budget for the rules.
 */
function stageRuns(): { decode: number; describe: number; noRules: number } {
  const some = lines.slice(0, 200_000);
  const perS = (each: (line: string) => void): number => {
    const t0 = process.hrtime.bigint();
    for (const line of some) each(line);
    return some.length / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  const describer = createEngine(ruleFiles, base);
  const bare = createEngine({ ...ruleFiles, rules: [] }, base);
  return {
    decode: perS((line) => decodeCdrJson(line)),
    describe: perS((line) => {
      const decoded = decodeCdrJson(line);
      if (decoded.ok) describer.describe(decoded.cdr);
    }),
    noRules: perS((line) => {
      const decoded = decodeCdrJson(line);
      if (decoded.ok) bare.process(decoded.cdr, decoded.cdr.endedAt);
    }),
  };
}

parseRun(); // warm-up
const parse1 = parseRun();
const run = engineRun();
const parse2 = parseRun();
const parsePerS = Math.max(parse1, parse2);
const stages = stageRuns();
const cdrRules = ruleFiles.rules.filter((r) => r.on === 'cdr' && r.enabled !== false).length;
const ratioOf = (perS: number): string => (perS / parsePerS).toFixed(3);
console.error(
  `stages (first ${Math.min(lines.length, 200_000)} lines), ratio to JSON.parse: decode ${ratioOf(stages.decode)}, decode + describe ${ratioOf(stages.describe)}, engine without rules ${ratioOf(stages.noRules)}, with the ${cdrRules} CDR rules ${ratioOf(run.perS)}`,
);
console.error(`engine: ${Math.round(run.perS)} CDRs/s (decode + normalise + ${cdrRules} CDR rules), ${run.verdicts} verdicts, ${run.rejected} rejected`);
console.error(`keys held at the end: ${JSON.stringify(run.keys)}`);
console.error(`JSON.parse alone: ${Math.round(parsePerS)} lines/s`);

// Memory of the velocity rule's window state: the same (tenant, caller, start) stream into its KeyedLog, trimmed as
// the engine trims it (allowed lateness + window), measured after a full GC.
const gc = (globalThis as { gc?: () => void }).gc;
let bytesPerKey = NaN;
let bytesPerSubject = NaN;
let subjects = 0;
let dedupBytesPerCall = NaN;
if (gc) {
  const tenants: string[] = [];
  const callers: string[] = [];
  for (const r of rows) {
    const cdr = JSON.parse(r.line) as { tenant: string; caller: string };
    tenants.push(cdr.tenant);
    callers.push(cdr.caller);
  }
  const starts = rows.map((r) => r.startedAt);
  // held = heap with the state minus heap once the state is dropped, both after a full GC
  const state = { log: new KeyedLog(false) as InstanceType<typeof KeyedLog> | null };
  let watermark = -Infinity;
  let trimmed = -Infinity;
  for (let i = 0; i < starts.length; i++) {
    // a fresh key string per CDR, as the engine builds it (tenant NUL subject)
    state.log?.insert(`${tenants[i] as string}\u0000${callers[i] as string}`, starts[i] as number, i);
    watermark = Math.max(watermark, starts[i] as number);
    if (watermark - trimmed >= 30_000) {
      trimmed = watermark;
      state.log?.trim(watermark - DEFAULT_ALLOWED_LATENESS_MS - 60_000);
    }
  }
  const keyCount = state.log?.keyCount ?? 0;
  const held = state.log?.eventCount() ?? 0;
  gc();
  const withState = process.memoryUsage().heapUsed;
  state.log = null;
  gc();
  bytesPerKey = (withState - process.memoryUsage().heapUsed) / keyCount;
  console.error(`velocity window state: ${keyCount} active keys, ${held} events held, ${bytesPerKey.toFixed(0)} bytes per key`);

  // Learned usage profiles (G3): every CDR learned as the engine learns it, with one baseline rule's levels per IP
  const describer = createEngine(ruleFiles, base);
  const usage = { book: new UsageBook() as InstanceType<typeof UsageBook> | null };
  const levels = usage.book?.levelSlot('velocity-ip', 'ip');
  for (const line of lines) {
    const decoded = decodeCdrJson(line);
    if (!decoded.ok) continue;
    const event = describer.describe(decoded.cdr);
    const t = `${event.tenant}\u0000`;
    usage.book?.observe(event, { account: t + event.account, caller: t + event.caller, ip: event.ip === undefined ? undefined : t + event.ip });
    if (event.ip !== undefined && levels) usage.book?.learn(levels, usage.book.hourOf(event), 1);
  }
  subjects = usage.book?.size ?? 0;
  gc();
  const withUsage = process.memoryUsage().heapUsed;
  usage.book = null;
  gc();
  bytesPerSubject = (withUsage - process.memoryUsage().heapUsed) / subjects;
  console.error(`usage profiles: ${subjects} subjects (IPs, accounts, callers, with their learned levels), ${bytesPerSubject.toFixed(0)} bytes per subject`);

  // What the duplicate check holds per call for the lateness horizon (6 h of calls): every CDR recorded as the
  // engine records it, its strings those of its own decoded line. Heap before and after building it, both after a
  // full GC; its typed arrays' buffers live outside the JS heap and are counted by their length.
  gc();
  const withoutDedup = process.memoryUsage().heapUsed;
  const dedup = new CallDedup() as InstanceType<typeof CallDedup> & { bufferBytes?: number };
  for (const line of lines) {
    const decoded = decodeCdrJson(line);
    if (decoded.ok) dedup.see(decoded.cdr.tenant, decoded.cdr.id, decoded.cdr.callId, decoded.cdr.startedAt);
  }
  gc();
  const calls = dedup.size;
  dedupBytesPerCall = (process.memoryUsage().heapUsed - withoutDedup + (dedup.bufferBytes ?? 0)) / calls;
  console.error(`duplicate check: ${calls} calls held, ${dedupBytesPerCall.toFixed(0)} bytes per call`);
} else {
  console.error('run with node --expose-gc for bytes per key');
}

console.log(
  `engine cdrs_per_s=${Math.round(run.perS)} parse_per_s=${Math.round(parsePerS)} ratio=${(run.perS / parsePerS).toFixed(3)} decode_ratio=${ratioOf(stages.decode)} describe_ratio=${ratioOf(stages.describe)} norules_ratio=${ratioOf(stages.noRules)} rules=${cdrRules} bytes_per_key=${bytesPerKey.toFixed(0)} usage_subjects=${subjects} usage_bytes_per_subject=${bytesPerSubject.toFixed(0)} dedup_bytes_per_call=${dedupBytesPerCall.toFixed(0)} cdrs=${COUNT}`,
);
