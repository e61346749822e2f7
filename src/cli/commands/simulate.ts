import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRuleFiles } from '../../adapters/files/rule-files.js';
import { SIM_CONFIG } from '../../sim/config.js';
import { CDRS_FILE, LABELS_FILE, RULES_DIR, writeSimulation } from '../../sim/output.js';
import { EPISODE_KINDS, simulate } from '../../sim/simulate.js';
import { usage, type Command } from '../command.js';

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'generate labelled days of VoIP traffic with fraud episodes (the detection-quality testbed)',
  help: `Usage: sentinela simulate --out DIR [--days N] [--seed S] [--start YYYY-MM-DD] [--rules DIR] [--scale X]

Generates several days of a Brazilian VoIP operator's traffic (three tenants: SME offices behind NAT, offices
allowed to call abroad with quotas, call centres, SIP-trunk PBXs, sales teams dialling purchased lists, on-call
staff at night, carriers' SBCs delivering inbound calls, one exporter outage flushed late) with labelled fraud
episodes, deterministic from the seed. Writes to DIR:
  cdrs.ndjson     canonical CDRs in delivery order (call end, or the flush after an outage)
  labels.json     the episodes (acceptable subjects, CDR ids) and every legitimate subject
  profiles.yaml   the tenant and account profiles the traffic assumes
  rules/          a copy of the rules directory with those profiles, for
                  sentinela replay --rules DIR/rules DIR/cdrs.ndjson > DIR/verdicts.ndjson
                  sentinela evaluate DIR DIR/verdicts.ndjson
Progress and a summary go to stderr.

Options:
  --out DIR          output directory (created)
  --days N           days to simulate (default 7)
  --seed S           integer seed (default 1)
  --start DATE       first local day (default ${SIM_CONFIG.startDate}, a Thursday: 7 days cover a weekend and Tiradentes)
  --rules DIR        rules directory to copy (default: SENTINELA_RULES_DIR)
  --scale X          multiplies the number of sites (default 1, about 300k CDRs a week)
  -h, --help         show this help`,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        out: { type: 'string' },
        days: { type: 'string' },
        seed: { type: 'string' },
        start: { type: 'string' },
        rules: { type: 'string' },
        scale: { type: 'string' },
      },
    });
    if (positionals.length > 0) throw usage('simulate takes no positional arguments');
    if (values.out === undefined) throw usage('--out DIR is required');
    const days = Number(values.days ?? 7);
    if (!Number.isInteger(days) || days < 1 || days > 31) throw usage(`--days: "${values.days}" must be a whole number of days from 1 to 31`);
    const seed = Number(values.seed ?? 1);
    if (!Number.isSafeInteger(seed)) throw usage(`--seed: "${values.seed}" must be an integer`);
    const scale = Number(values.scale ?? 1);
    if (!Number.isFinite(scale) || scale <= 0 || scale > 20) throw usage(`--scale: "${values.scale}" must be a number above 0 and at most 20`);
    const start = values.start ?? SIM_CONFIG.startDate;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T12:00:00Z`)))
      throw usage(`--start: "${start}" must be a date such as 2026-04-16`);
    const rulesDir = values.rules ?? ctx.config().rules.dir;
    const ruleFiles = loadRuleFiles(rulesDir); // a broken rules directory fails before minutes of generation
    const started = performance.now();
    const sim = simulate({
      seed,
      days,
      start,
      scale,
      profilesBase: {
        escalation: ruleFiles.profiles.escalation,
        defaults: ruleFiles.profiles.defaults,
        ...(ruleFiles.profiles.lists ? { lists: ruleFiles.profiles.lists } : {}),
      },
      progress: ctx.stderr,
    });
    writeSimulation(values.out, sim, rulesDir);
    const s = sim.summary;
    const targeted = new Set(EPISODE_KINDS.flatMap((k) => k.targets));
    const untargeted = ruleFiles.rules.filter((r) => r.enabled && r.on === 'cdr' && !targeted.has(r.id)).map((r) => r.id);
    const out = ctx.stderr;
    out(
      `simulate: ${days} day${days === 1 ? '' : 's'} from ${start}, seed ${seed}, scale ${scale}: ${s.cdrs.toLocaleString('en')} CDRs in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    out(
      `  legitimate ${s.legit.toLocaleString('en')}, fraud ${s.fraud.toLocaleString('en')} (R$ ${s.fraudCost.toFixed(2)}), delivered late by an outage flush ${s.late}`,
    );
    out('  legitimate subjects by population:');
    for (const [population, kinds] of Object.entries(s.subjects)) {
      out(
        `    ${population.padEnd(16)} ${Object.entries(kinds)
          .map(([kind, n]) => `${kind} ${n}`)
          .join(', ')}`,
      );
    }
    out(
      `  episodes: ${Object.entries(s.episodes)
        .map(([type, n]) => `${type} ${n}`)
        .join(', ')}`,
    );
    if (untargeted.length > 0) out(`  no episode is shaped for these rules: ${untargeted.join(', ')}`);
    out(`  wrote ${join(values.out, CDRS_FILE)}, ${join(values.out, LABELS_FILE)}, profiles.yaml and ${join(values.out, RULES_DIR)}/`);
    return 0;
  },
};
