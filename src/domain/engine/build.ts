import { compileRule } from '../rules/compile.js';
import type { ProfilesFile } from '../rules/profile-spec.js';
import type { RuleSpec } from '../rules/spec.js';
import { Engine, type EngineOptions } from './engine.js';
import { PrefixLists, type PrefixEntry } from './prefix-lists.js';
import { ProfileBook, type ProfileBase } from './profiles.js';

export interface RuleSet {
  readonly rules: readonly RuleSpec[];
  readonly profiles: ProfilesFile;
  readonly prefixEntries: readonly PrefixEntry[];
}

/** Builds an engine from validated rule files and the service's dialling defaults; disabled rules are left out. */
export function createEngine(
  ruleSet: RuleSet,
  base: ProfileBase,
  options: Omit<EngineOptions, 'rules' | 'profiles' | 'prefixLists'> = {},
): Engine {
  return new Engine({
    ...options,
    rules: ruleSet.rules.filter((r) => r.enabled).map(compileRule),
    profiles: new ProfileBook(ruleSet.profiles, base),
    prefixLists: new PrefixLists(ruleSet.prefixEntries),
  });
}
