/**
 * npm run bench:detection — detection quality of the rules in rules/ (and the engine in src/, through tsx) on
 * simulated traffic. For each seed: `sentinela simulate` into a temporary directory, replay in process (the
 * same pipeline as `sentinela replay`), `sentinela evaluate`'s scoring. Prints a table per seed, the mean, which
 * rule caught each episode type per seed, and the JSON summary as the last line.
 * The replay plays block-check attempts too (replay --attempts), so attempt-time budgets and refusals are scored.
 * Flags: --days N (7), --seeds 1,2,3, --scale X (1), --rules DIR (SENTINELA_RULES_DIR), --keep (keep the directories),
 * --no-attempts (CDRs only, as plain `sentinela replay`), --quick (one seed, two days: under a minute, for development).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openRecords } from '../src/adapters/files/records.js';
import { loadRuleFiles } from '../src/adapters/files/rule-files.js';
import { replay } from '../src/cli/replay/run.js';
import { loadConfig } from '../src/config/config.js';
import { parseFormatSpec } from '../src/domain/cdr/formats/registry.js';
import { CdrIndex, parseReplayLine, type RefusalRecord, type VerdictRecord } from '../src/eval/inputs.js';
import { table } from '../src/eval/report.js';
import { score, summary, type EpisodeScore } from '../src/eval/score.js';
import { createLogger } from '../src/log.js';
import { replayAttempts, replayParts } from '../src/main/replay.js';
import { labelsSchema } from '../src/sim/labels.js';
import { CDRS_FILE, RULES_DIR, writeSimulation } from '../src/sim/output.js';
import { simulate } from '../src/sim/simulate.js';

const { values } = parseArgs({
  options: {
    days: { type: 'string' },
    seeds: { type: 'string' },
    scale: { type: 'string' },
    rules: { type: 'string' },
    keep: { type: 'boolean' },
    'no-attempts': { type: 'boolean' },
    quick: { type: 'boolean' },
  },
});
// --quick (development): one seed, two days
const days = Number(values.days ?? (values.quick ? 2 : 7));
const seeds = (values.seeds ?? (values.quick ? '1' : '1,2,3')).split(',').map(Number);
const scale = Number(values.scale ?? 1);
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const rulesDir = values.rules ?? config.rules.dir;
const base = loadRuleFiles(rulesDir).profiles;
const seconds = (from: number) => (performance.now() - from) / 1000;
const log = (text: string) => process.stderr.write(`${text}\n`);

interface SeedResult {
  readonly seed: number;
  readonly cdrs: number;
  readonly seconds: { simulate: number; replay: number; evaluate: number };
  readonly summary: Record<string, unknown>;
  readonly episodes: readonly EpisodeScore[];
}

async function runSeed(seed: number): Promise<SeedResult> {
  const dir = mkdtempSync(join(tmpdir(), `sentinela-detection-${seed}-`));
  let t = performance.now();
  const sim = simulate({
    seed,
    days,
    scale,
    profilesBase: { escalation: base.escalation, defaults: base.defaults, ...(base.lists ? { lists: base.lists } : {}) },
  });
  writeSimulation(dir, sim, rulesDir);
  const simulateSeconds = seconds(t);
  log(`seed ${seed}: ${sim.lines.length} CDRs simulated in ${simulateSeconds.toFixed(1)} s (${dir}), replaying`);

  t = performance.now();
  const parts = replayParts(config, loadRuleFiles(join(dir, RULES_DIR)), {
    timeZone: config.dialling.timeZone,
    allowedLatenessMs: config.rules.allowedLatenessMs,
    log: createLogger('silent'),
  });
  const lines: string[] = [];
  const rejected: string[] = [];
  const records = await openRecords(join(dir, CDRS_FILE), { latin1: false, documents: false });
  const format = parseFormatSpec('canonical');
  const attempts = values['no-attempts']
    ? undefined
    : replayAttempts(config, loadRuleFiles(join(dir, RULES_DIR)), format, {
        timeZone: config.dialling.timeZone,
        allowedLatenessMs: config.rules.allowedLatenessMs,
      });
  const replayed = await replay(
    attempts ? attempts.merger.merge(records) : records,
    format,
    parts,
    { verdict: (l) => lines.push(l), rejected: (m) => rejected.push(m) },
    { now: () => performance.now(), progressEveryMs: 60_000 },
    attempts?.service,
  );
  if (replayed.attempts) log(`seed ${seed}: ${replayed.attempts.asked} block-checks, ${replayed.attempts.refused} refused, ${attempts?.merger.late ?? 0} late`);
  const replaySeconds = seconds(t);
  if (rejected.length > 0) log(`seed ${seed}: ${rejected.length} CDRs rejected, first: ${rejected[0]}`);
  log(`seed ${seed}: replayed in ${replaySeconds.toFixed(1)} s (${replayed.alerts} alerts, ${replayed.blocks} blocks), evaluating`);

  t = performance.now();
  const labels = labelsSchema.parse(sim.labels);
  const index = new CdrIndex();
  for (const line of sim.lines) index.add(line);
  const parsed = lines.map((l, i) => parseReplayLine(l, i + 1));
  const verdicts = parsed.filter((v): v is VerdictRecord => v !== null && v.kind !== 'refused');
  const refusals = parsed.filter((v): v is RefusalRecord => v?.kind === 'refused');
  const result = score(
    labels,
    (id) => index.get(id),
    verdicts,
    undefined,
    refusals,
    (t) => index.arrivedBefore(t),
  );
  const evaluateSeconds = seconds(t);
  if (values.keep) writeFileSync(join(dir, 'verdicts.ndjson'), lines.map((l) => `${l}\n`).join(''));
  else rmSync(dir, { recursive: true, force: true });
  return {
    seed,
    cdrs: sim.lines.length,
    seconds: { simulate: simulateSeconds, replay: replaySeconds, evaluate: evaluateSeconds },
    summary: summary(result),
    episodes: result.episodes,
  };
}

const started = performance.now();
const results: SeedResult[] = [];
for (const seed of seeds) results.push(await runSeed(seed));
const total = seconds(started);

const num = (r: SeedResult, field: string) => r.summary[field] as number;
const arrived = (r: SeedResult, k: 'median' | 'p90' | 'max') => (r.summary['arrivedAtDetection'] as Record<string, number | null>)[k] ?? NaN;
const columns: [string, (r: SeedResult) => number, number][] = [
  ['CDRs', (r) => r.cdrs, 0],
  ['episodes', (r) => num(r, 'episodes'), 0],
  ['detected', (r) => num(r, 'detected'), 1],
  ['in budget', (r) => num(r, 'withinBudget'), 1],
  ['arrived med', (r) => arrived(r, 'median'), 1],
  ['p90', (r) => arrived(r, 'p90'), 1],
  ['max', (r) => arrived(r, 'max'), 1],
  ['legit subj', (r) => num(r, 'legitSubjects'), 0],
  ['FP blocked', (r) => num(r, 'fpBlockedSubjects'), 1],
  ['FP block %', (r) => num(r, 'fpBlockRate') * 100, 3],
  ['FP critical', (r) => num(r, 'fpCriticalSubjects'), 1],
  ['FP crit %', (r) => num(r, 'fpCriticalRate') * 100, 3],
  ['other blocks', (r) => num(r, 'otherBlockedSubjects'), 1],
  ['R$ before det.', (r) => num(r, 'fraudCostBeforeDetection'), 2],
  ['R$ missed', (r) => num(r, 'fraudCostMissed'), 2],
  ['legit refused', (r) => num(r, 'legitCallsRefused') || 0, 1],
  ['R$ prevented', (r) => num(r, 'fraudCostPrevented') || 0, 2],
  ['sim s', (r) => r.seconds.simulate, 1],
  ['replay s', (r) => r.seconds.replay, 1],
  ['eval s', (r) => r.seconds.evaluate, 1],
];
const mean = (f: (r: SeedResult) => number) => results.reduce((n, r) => n + f(r), 0) / results.length;
const rows = results.map((r) => [`seed ${r.seed}`, ...columns.map(([, f, d]) => f(r).toFixed(d))]);
rows.push(['mean', ...columns.map(([, f, d]) => mean(f).toFixed(d))]);
console.log(`detection: ${days} days x ${seeds.length} seeds, scale ${scale}, rules ${rulesDir}, ${total.toFixed(1)} s`);
for (const line of table(
  ['', ...columns.map(([h]) => h)],
  rows,
  columns.map((_, i) => i + 1),
))
  console.log(line);
for (const r of results)
  console.log(
    `seed ${r.seed} missed: ${(r.summary['missed'] as string[]).join(' ') || '-'}  over budget: ${(r.summary['missedBudget'] as string[]).join(' ') || '-'}  FP by rule: ${JSON.stringify(r.summary['fpByRule'])}  legit refused by rule: ${JSON.stringify(r.summary['legitRefusedByRule'] ?? {})}`,
  );

// which rule caught each episode type first, and after how many of its CDRs, per seed
const types = [...new Set(results.flatMap((r) => r.episodes.map((e) => e.episode.type)))];
const cell = (r: SeedResult, type: string) =>
  r.episodes
    .filter((e) => e.episode.type === type)
    .map(
      (e) =>
        `${e.first ? `${e.first.rule} (${e.arrived}/${e.fraudCdrs})` : e.detected ? `refused (${e.fraudCdrs})` : `MISSED (${e.fraudCdrs})`}` +
        `${e.refused > 0 ? ` refused ${e.refused} from #${e.firstRefusedAttempt}` : ''}${e.budget ? (e.budget.within ? ' ok' : ' OVER') : ''}`,
    )
    .join('; ');
console.log('');
for (const line of table(
  ['episode type', ...results.map((r) => `seed ${r.seed}: first rule (arrived/CDRs)`)],
  types.map((t) => [t, ...results.map((r) => cell(r, t))]),
))
  console.log(line);

const meanOf = (field: string) => Math.round(mean((r) => num(r, field)) * 1e6) / 1e6;
console.log(
  JSON.stringify({
    bench: 'detection',
    days,
    scale,
    seeds,
    seconds: Math.round(total * 10) / 10,
    mean: {
      episodes: meanOf('episodes'),
      detected: meanOf('detected'),
      withinBudget: meanOf('withinBudget'),
      detectionRate: Math.round(mean((r) => num(r, 'detected') / num(r, 'episodes')) * 1e4) / 1e4,
      arrivedMedian: Math.round(mean((r) => arrived(r, 'median')) * 100) / 100,
      arrivedP90: Math.round(mean((r) => arrived(r, 'p90')) * 100) / 100,
      fpBlockedSubjects: meanOf('fpBlockedSubjects'),
      fpBlockRate: meanOf('fpBlockRate'),
      fpCriticalSubjects: meanOf('fpCriticalSubjects'),
      fpCriticalRate: meanOf('fpCriticalRate'),
      fraudCostBeforeDetection: meanOf('fraudCostBeforeDetection'),
      fraudCostMissed: meanOf('fraudCostMissed'),
    },
    perSeed: results.map((r) => ({
      seed: r.seed,
      cdrs: r.cdrs,
      seconds: Object.fromEntries(Object.entries(r.seconds).map(([k, v]) => [k, Math.round(v * 10) / 10])),
      ...r.summary,
    })),
  }),
);
