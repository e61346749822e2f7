import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { PrefixEntry } from '../../domain/engine/prefix-lists.js';
import { parseRateTable } from './rate-file.js';
import type { RateEntry } from '../../domain/cost/rate-table.js';
import { mappingSpec, type MappingSpec } from '../../domain/cdr/formats/mapping.js';
import { profilesFileSpec, type ProfilesFile } from '../../domain/rules/profile-spec.js';
import { ruleFileSpec, type RuleSpec } from '../../domain/rules/spec.js';
import type { SignallingRuleSpec } from '../../domain/signalling/spec.js';
import { SentinelaError } from '../../errors.js';

/** Everything under the rules directory, validated: rule specs, profiles and curated prefix lists. */
export interface RuleFiles {
  readonly dir: string;
  /** All rules in file-name order, then in file order (disabled ones included, flagged). */
  readonly rules: readonly RuleSpec[];
  /** Signalling rules over security events (`signalling:` in a rules file), in the same order. */
  readonly signalling: readonly SignallingRuleSpec[];
  readonly profiles: ProfilesFile;
  readonly prefixEntries: readonly PrefixEntry[];
  /** Prices per destination prefix (`rates.csv`, optional): estimate the cost of CDRs that carry none. */
  readonly rateEntries: readonly RateEntry[];
  /** Field mappings for exporters without a built-in decoder (`mappings/NAME.yaml`, format `mapping:NAME`). */
  readonly mappings: ReadonlyMap<string, MappingSpec>;
  readonly files: readonly string[];
  /**
   * The text of every file these were validated from, by path under `dir` (`velocity.yaml`, `lists/premium.csv`):
   * what is in force, whatever the disk holds now (the pipeline child is sent these; edits are overlaid on them).
   */
  readonly sources: Readonly<Record<string, string>>;
}

const PROFILES_FILE = /^profiles\.(?:ya?ml|json)$/;
const RULE_FILE = /\.(?:ya?ml|json)$/;
const RATES_FILE = 'rates.csv';
const LIST_COLUMNS = ['e164_prefix', 'name', 'category', 'source'] as const;

/**
 * Reads `dir`: every `*.yaml|*.yml|*.json` but profiles.* holds `rules: [...]` and/or `signalling: [...]`; `profiles.yaml` (optional) the
 * tenant profiles; `lists/*.csv` the prefix lists; `rates.csv` the rate table; `mappings/*.yaml` exporter field mappings. Any problem throws RULES_INVALID naming the file, the rule
 * id and the field, so a bad rule stops startup instead of silently switching detection off.
 */
export function loadRuleFiles(dir: string): RuleFiles {
  return parseRuleFiles(dir, readRuleSources(dir));
}

/** Edited rule or profile files (by name) overlaid on the rules in force, validated as at startup (POST /v1/rules/compare). */
export function overlayRuleFiles(inForce: RuleFiles, edits: Readonly<Record<string, string>>): RuleFiles {
  return parseRuleFiles(inForce.dir, { ...inForce.sources, ...edits });
}

/** The texts of the files `loadRuleFiles` reads, by path under `dir`. */
export function readRuleSources(dir: string): Record<string, string> {
  const sources: Record<string, string> = {};
  const read = (name: string) => {
    try {
      sources[name] = readFileSync(join(dir, name), 'utf8');
    } catch (err) {
      throw new SentinelaError('RULES_UNREADABLE', `cannot read ${join(dir, name)}: ${(err as Error).message}`, {}, { cause: err });
    }
  };
  for (const name of listDir(dir)) if (RULE_FILE.test(name) || (name === RATES_FILE && isFile(join(dir, name)))) read(name);
  for (const [sub, file] of [
    ['lists', /\.csv$/],
    ['mappings', RULE_FILE],
  ] as const) {
    if (isDirectory(join(dir, sub))) for (const name of listDir(join(dir, sub)).filter((n) => file.test(n))) read(`${sub}/${name}`);
  }
  return sources;
}

/** Validates the texts of a rules directory (`sources`, by path under `dir`): the one validation of startup, reloads and edits. */
export function parseRuleFiles(dir: string, sources: Readonly<Record<string, string>>): RuleFiles {
  const names = Object.keys(sources).sort();
  const under = (sub: string) => names.filter((n) => n.startsWith(`${sub}/`));
  const files: string[] = [];
  const rules: RuleSpec[] = [];
  const signalling: SignallingRuleSpec[] = [];
  const seen = new Map<string, string>();
  let profiles: ProfilesFile = profilesFileSpec.parse({});
  for (const name of names.filter((n) => !n.includes('/'))) {
    const path = join(dir, name);
    if (PROFILES_FILE.test(name)) {
      profiles = validate(profilesFileSpec, parseStructured(path, sources[name] as string), path, () => '');
      files.push(path);
    } else if (RULE_FILE.test(name)) {
      const data = parseStructured(path, sources[name] as string);
      const parsed = validate(ruleFileSpec, data, path, (issuePath) => ruleLabel(data, issuePath));
      for (const rule of [...(parsed.rules ?? []), ...(parsed.signalling ?? [])]) {
        const other = seen.get(rule.id);
        if (other) throw new SentinelaError('RULES_INVALID', `${path}: rule ${rule.id}: id: already defined in ${other}`, { path: 'id' });
        seen.set(rule.id, path);
      }
      rules.push(...(parsed.rules ?? []));
      signalling.push(...(parsed.signalling ?? []));
      files.push(path);
    }
  }
  const prefixEntries: PrefixEntry[] = [];
  for (const name of under('lists')) {
    const path = join(dir, name);
    prefixEntries.push(...parsePrefixList(path, sources[name] as string, basename(name, '.csv')));
    files.push(path);
  }
  const ratesPath = join(dir, RATES_FILE);
  const rates = sources[RATES_FILE];
  const rateEntries = rates === undefined ? [] : parseRateTable(ratesPath, rates);
  if (rateEntries.length > 0) files.push(ratesPath);
  const mappings = new Map<string, MappingSpec>();
  for (const name of under('mappings')) {
    const path = join(dir, name);
    mappings.set(
      basename(name).replace(RULE_FILE, ''),
      validate(mappingSpec, parseStructured(path, sources[name] as string), path, () => ''),
    );
    files.push(path);
  }
  return { dir, rules, signalling, profiles, prefixEntries, rateEntries, mappings, files, sources: { ...sources } };
}

function parsePrefixList(path: string, text: string, list: string): PrefixEntry[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, comment: '#', trim: true });
  } catch (err) {
    throw new SentinelaError('RULES_INVALID', `${path}: not a valid CSV: ${(err as Error).message}`, {}, { cause: err });
  }
  return rows.map((row, i) => {
    const line = `${path}: row ${i + 2}`;
    for (const column of LIST_COLUMNS) {
      if (!row[column]) throw new SentinelaError('RULES_INVALID', `${line}: ${column}: is required (columns: ${LIST_COLUMNS.join(', ')})`, { path: column });
    }
    const prefix = (row['e164_prefix'] as string).replace(/^\+/, '');
    if (!/^\d{1,15}$/.test(prefix)) throw new SentinelaError('RULES_INVALID', `${line}: e164_prefix: must be 1-15 digits`, { path: 'e164_prefix' });
    return { list, prefix, name: row['name'] as string, category: row['category'] as string, source: row['source'] as string };
  });
}

function validate<T extends z.ZodType>(schema: T, data: unknown, path: string, label: (issuePath: PropertyKey[]) => string): z.output<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const issuePath = [...issue.path];
  const prefix = label(issuePath);
  const field = issuePath.join('.');
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
  const where = field === '' ? '' : `${field}: `;
  throw new SentinelaError('RULES_INVALID', `${path}: ${prefix}${where}${issue.message}${more}`, { path: field });
}

/** `rule velocity-caller: ` for an issue under rules[i], naming the rule by id (or position when id is bad). */
function ruleLabel(data: unknown, issuePath: PropertyKey[]): string {
  if ((issuePath[0] !== 'rules' && issuePath[0] !== 'signalling') || typeof issuePath[1] !== 'number') return '';
  const rule = (data as Record<string, unknown[] | undefined>)[issuePath[0]]?.[issuePath[1]];
  const id = rule && typeof rule === 'object' && 'id' in rule && typeof rule.id === 'string' ? rule.id : `#${issuePath[1] + 1}`;
  issuePath.splice(0, 2);
  return `rule ${id}: `;
}

function parseStructured(path: string, text: string): unknown {
  try {
    return parseYaml(text) as unknown; // YAML is a superset of JSON
  } catch (err) {
    throw new SentinelaError('RULES_INVALID', `${path}: cannot parse: ${(err as Error).message}`, {}, { cause: err });
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    throw new SentinelaError('RULES_UNREADABLE', `cannot read the rules directory ${dir}: ${(err as Error).message}`, {}, { cause: err });
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
