/**
 * npm run bench:signalling — detection quality of the shipped signalling rules (rules/, issue 18) on simulated
 * security events (src/sim/signalling): for each seed a week of an operator's registrations, legit failures and
 * labelled attacks, fed in time order through a SignallingBook (src/eval/signalling-score.ts). Prints, per attack
 * kind and pace over all seeds, the episodes blocked and after how many of their events; per seed, the legit
 * addresses blocked and the users behind them; the JSON summary as the last line. No threshold is asserted.
 * Flags: --days N (7), --seeds 1,2,3, --scale X (1: 36 offices), --rules DIR (rules), --quick (one seed, two days).
 */
import { parseArgs } from 'node:util';
import { loadRuleFiles } from '../src/adapters/files/rule-files.js';
import { parseDuration } from '../src/domain/rules/duration.js';
import { compileSignallingRule } from '../src/domain/signalling/spec.js';
import { table } from '../src/eval/report.js';
import { spread } from '../src/eval/score.js';
import { scoreSignalling, type EpisodeResult, type SignallingScore } from '../src/eval/signalling-score.js';
import { SIG_ATTACK_KINDS } from '../src/sim/signalling/model.js';
import { simulateSignalling } from '../src/sim/signalling/simulate.js';

const { values } = parseArgs({
  options: { days: { type: 'string' }, seeds: { type: 'string' }, scale: { type: 'string' }, rules: { type: 'string' }, quick: { type: 'boolean' } },
});
// --quick (development): one seed, two days
const days = Number(values.days ?? (values.quick ? 2 : 7));
const seeds = (values.seeds ?? (values.quick ? '1' : '1,2,3')).split(',').map(Number);
const scale = Number(values.scale ?? 1);
const rulesDir = values.rules ?? 'rules';
const files = loadRuleFiles(rulesDir);
const rules = files.signalling.filter((r) => r.enabled).map(compileSignallingRule);
const escalationWithinMs = parseDuration(files.profiles.escalation.within) as number;
const log = (text: string) => process.stderr.write(`${text}\n`);

interface SeedResult {
  readonly seed: number;
  readonly seconds: number;
  readonly score: SignallingScore;
  readonly users: number;
}

const results: SeedResult[] = [];
for (const seed of seeds) {
  const t = performance.now();
  const sim = simulateSignalling({ seed, days, scale });
  const score = scoreSignalling(sim.labels, sim.events(), rules, escalationWithinMs);
  const users = new Set([...sim.population.offices.flatMap((o) => o.phones), ...sim.population.softphones].map((d) => `${d.tenant}/${d.user}`)).size;
  results.push({ seed, seconds: (performance.now() - t) / 1000, score, users });
  log(`seed ${seed}: ${score.events} events, ${score.episodes.length} episodes, ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const fmt = (v: number | null, d = 0) => (v === null ? '-' : v.toFixed(d));
const all = results.flatMap((r) => r.score.episodes);
const rows: string[][] = [];
for (const kind of SIG_ATTACK_KINDS)
  for (const pace of ['fast', 'medium', 'slow'] as const) {
    const eps = all.filter((e) => e.kind === kind && e.pace === pace);
    if (eps.length === 0) continue;
    const blocked = eps.filter((e) => e.eventsBeforeBlock !== null);
    const before = spread(blocked.map((e) => e.eventsBeforeBlock as number));
    const rulesUsed = [...new Set(blocked.map((e) => e.firstRule))].join(',');
    rows.push([
      kind,
      pace,
      String(eps.length),
      `${blocked.length} (${((blocked.length / eps.length) * 100).toFixed(0)} %)`,
      String(eps.filter((e) => e.alerted && e.eventsBeforeBlock === null).length),
      fmt(before.median, 1),
      fmt(before.p90),
      `${sum(eps, (e) => e.ipsBlocked)}/${sum(eps, (e) => e.ips)}`,
      String(eps.filter((e) => e.spoofed).length),
      String(Math.max(0, ...eps.map((e) => e.collateralUsers))),
      rulesUsed || '-',
    ]);
  }
console.log(`signalling detection: ${days} days x ${seeds.length} seeds (${seeds.join(',')}), scale ${scale}, rules ${rulesDir}`);
console.log("\nattacks (all seeds): blocked = any block of an attacker IP; events = the episode's events the PBX reported before that block");
for (const line of table(
  ['kind', 'pace', 'episodes', 'blocked', 'alert only', 'events med', 'p90', 'IPs blocked', 'spoofed UA', 'collateral', 'first rule'],
  rows,
  [2, 4, 5, 6, 8, 9],
))
  console.log(line);

const fpRows = results.map((r) => {
  const s = r.score;
  const ips = new Set(s.falseBlocks.map((b) => b.ip));
  const collateral = [...ips].reduce((n, ip) => n + Math.max(...s.falseBlocks.filter((b) => b.ip === ip).map((b) => b.users)), 0);
  const alertIps = (sev: string) => new Set(s.legitAlerts.filter((a) => a.severity === sev).map((a) => a.ip)).size;
  return [
    `seed ${r.seed}`,
    String(s.events),
    String(s.legitIps),
    String(r.users),
    String(ips.size),
    ((ips.size / s.legitIps) * 100).toFixed(2),
    String(collateral),
    String(s.legitDropped),
    `${s.legitAlerts.filter((a) => a.severity === 'warn').length} / ${alertIps('warn')}`,
    `${s.legitAlerts.filter((a) => a.severity === 'critical').length} / ${alertIps('critical')}`,
    r.seconds.toFixed(1),
  ];
});
console.log('\nfalse positives per seed: legit addresses blocked, the users registered behind them in the hour before (collateral)');
for (const line of table(
  [
    '',
    'events',
    'legit IPs',
    'legit users',
    'IPs blocked',
    '% of IPs',
    'collateral users',
    'legit requests dropped',
    'warn alerts / IPs',
    'critical / IPs',
    's',
  ],
  fpRows,
  [1, 2, 3, 4, 5, 6, 7, 10],
))
  console.log(line);
const why = new Map<string, number>();
for (const r of results)
  for (const b of r.score.falseBlocks) why.set(`${b.kind} ${b.incident} → ${b.rule}`, (why.get(`${b.kind} ${b.incident} → ${b.rule}`) ?? 0) + 1);
const alertWhy = new Map<string, number>();
for (const r of results)
  for (const a of r.score.legitAlerts)
    alertWhy.set(`${a.incident} → ${a.rule} ${a.severity}`, (alertWhy.get(`${a.incident} → ${a.rule} ${a.severity}`) ?? 0) + 1);
console.log(`\nfalse blocks by address kind, legit incident and rule (all seeds): ${JSON.stringify(Object.fromEntries(why))}`);
console.log(`legit alerts by incident and rule (all seeds): ${JSON.stringify(Object.fromEntries(alertWhy))}`);
const missed = all.filter((e) => e.eventsBeforeBlock === null && e.kind !== 'svmap-probe');
console.log(`missed (not blocked): ${missed.map((e) => `${e.kind}/${e.pace}${e.spoofed ? '/spoofed' : ''}${e.alerted ? '/alerted' : ''}`).join(' ') || '-'}`);

console.log(
  JSON.stringify({
    bench: 'signalling-detection',
    days,
    scale,
    seeds,
    episodes: all.length,
    blocked: all.filter((e) => e.eventsBeforeBlock !== null).length,
    byKind: Object.fromEntries(SIG_ATTACK_KINDS.map((k) => [k, summarise(all.filter((e) => e.kind === k))])),
    perSeed: results.map((r) => ({
      seed: r.seed,
      events: r.score.events,
      legitIps: r.score.legitIps,
      falseBlockedIps: new Set(r.score.falseBlocks.map((b) => b.ip)).size,
      falseBlocks: r.score.falseBlocks.map((b) => `${b.kind} ${b.ip} ${b.rule} ${b.incident} users ${b.users}`),
      legitDropped: r.score.legitDropped,
      legitAlerts: r.score.legitAlerts.length,
      seconds: Math.round(r.seconds * 10) / 10,
    })),
  }),
);

function sum(eps: readonly EpisodeResult[], f: (e: EpisodeResult) => number): number {
  return eps.reduce((n, e) => n + f(e), 0);
}

function summarise(eps: readonly EpisodeResult[]) {
  const blocked = eps.filter((e) => e.eventsBeforeBlock !== null);
  return {
    episodes: eps.length,
    blocked: blocked.length,
    eventsBeforeBlock: spread(blocked.map((e) => e.eventsBeforeBlock as number)),
    ipsBlocked: sum(eps, (e) => e.ipsBlocked),
    ips: sum(eps, (e) => e.ips),
  };
}
