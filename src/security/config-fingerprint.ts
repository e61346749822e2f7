import { createHash } from 'node:crypto';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import type { Config } from '../config/config.js';

const SECRET_FIELD = /secret|password|auditKey/i;

/**
 * EV04: what this server runs with: every non-secret setting and the rule files, with a digest to compare runs, and
 * the rule set's digest, the `from` of the first `rules.reload` (so the chain shows every rule set in force).
 */
export function configFingerprint(config: Config, ruleFiles: RuleFiles): Record<string, unknown> {
  // any field named like a secret, at any depth, shows only whether it is set
  const visible = JSON.stringify(config, (name, value: unknown) => (SECRET_FIELD.test(name) && value !== undefined && value !== null ? '(set)' : value));
  const rules = ruleFiles.rules.map((r) => r.id);
  return {
    digest: createHash('sha256').update(visible).update(JSON.stringify(ruleFiles.rules)).digest('hex'),
    rules,
    ruleSetDigest: ruleSetDigest(ruleFiles),
    settings: JSON.parse(visible) as unknown,
  };
}

/** The digest of everything the rules directory defines (rules, profiles, lists, rates, mappings): equal digests, same detection. */
export function ruleSetDigest(ruleFiles: Omit<RuleFiles, 'dir' | 'files' | 'sources'>): string {
  const { rules, signalling, profiles, prefixEntries, rateEntries, mappings } = ruleFiles;
  return createHash('sha256')
    .update(JSON.stringify({ rules, signalling, profiles, prefixEntries, rateEntries, mappings: [...mappings] }))
    .digest('hex');
}
