import { parseRuleFiles, type RuleFiles } from '../adapters/files/rule-files.js';
import { SentinelaError } from '../errors.js';
import { ruleSetDigest } from '../security/config-fingerprint.js';

/**
 * What the pipeline child is given of a rule set: the texts this process validated and their digest. The child
 * parses the same texts (the directory may hold another edit by now) and checks the digest.
 */
export interface RuleTexts {
  readonly sources: Readonly<Record<string, string>>;
  readonly digest: string;
}

export function ruleTexts(rules: RuleFiles): RuleTexts {
  return { sources: rules.sources, digest: ruleSetDigest(rules) };
}

/**
 * The receiving side: the rules the sender validated, from their texts (at start, a restart too, and at a reload),
 * never the directory's files, which may hold an edit the sender refused or has not read yet. INTERNAL if they read
 * differently here.
 */
export function ruleFilesOf(dir: string, given: RuleTexts): RuleFiles {
  const files = parseRuleFiles(dir, given.sources);
  const digest = ruleSetDigest(files);
  if (digest !== given.digest) throw new SentinelaError('INTERNAL', `the pipeline process read the rule files as ${digest}, not ${given.digest}`);
  return files;
}
