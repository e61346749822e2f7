import { closeSync, cpSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Simulation } from './simulate.js';

export const CDRS_FILE = 'cdrs.ndjson';
export const LABELS_FILE = 'labels.json';
export const PROFILES_FILE = 'profiles.yaml';
export const RULES_DIR = 'rules';

const PROFILES_HEADER = `# Profiles the simulated traffic assumes (written by sentinela simulate; same schema as rules/profiles.yaml).
# Escalation and global lists come from the rules directory the simulation was given.
`;

/**
 * Writes a simulation into `dir`: cdrs.ndjson, labels.json, profiles.yaml, and rules/ (a copy of `rulesDir` with
 * the simulated profiles), so `sentinela replay --rules DIR/rules DIR/cdrs.ndjson` runs as is.
 */
export function writeSimulation(dir: string, sim: Simulation, rulesDir: string): void {
  mkdirSync(dir, { recursive: true });
  writeLines(join(dir, CDRS_FILE), sim.lines);
  writeFileSync(join(dir, LABELS_FILE), `${JSON.stringify(sim.labels, null, 1)}\n`);
  const profiles = PROFILES_HEADER + stringify(sim.profiles, { lineWidth: 0 });
  writeFileSync(join(dir, PROFILES_FILE), profiles);
  const rules = join(dir, RULES_DIR);
  rmSync(rules, { recursive: true, force: true }); // a previous run's copy would keep rule files deleted since
  cpSync(rulesDir, rules, { recursive: true });
  for (const name of readdirSync(rules)) if (/^profiles\.(?:ya?ml|json)$/.test(name)) rmSync(join(rules, name));
  writeFileSync(join(rules, PROFILES_FILE), profiles);
}

/** Lines in chunks: one string of the whole file would double the memory of a large run. */
function writeLines(path: string, lines: readonly string[]): void {
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < lines.length; i += 4096) writeSync(fd, `${lines.slice(i, i + 4096).join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}
