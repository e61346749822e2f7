import { compileRule } from '../rules/compile.js';
import type { ProfilesFile } from '../rules/profile-spec.js';
import type { RuleSpec } from '../rules/spec.js';
import { compileSignallingRule, type SignallingRuleSpec } from '../signalling/spec.js';
import { Engine, type EngineOptions } from './engine.js';
import { PrefixLists, type PrefixEntry } from './prefix-lists.js';
import { RateTable, type RateEntry } from '../cost/rate-table.js';
import { ProfileBook, type ProfileBase } from './profiles.js';

export interface RuleSet {
  readonly rules: readonly RuleSpec[];
  readonly profiles: ProfilesFile;
  readonly prefixEntries: readonly PrefixEntry[];
  /** rules/rates.csv: estimates the cost of CDRs without one (none: nothing is estimated). */
  readonly rateEntries?: readonly RateEntry[];
  /** Signalling rules over security events: run by the CDR engine (the pipeline), never by the attempt engine. */
  readonly signalling?: readonly SignallingRuleSpec[];
}

/**
 * Builds an engine from validated rule files and the service's dialling defaults; disabled rules are left out,
 * and so are rules counting the other kind of event (`on: cdr` for the processor, `on: attempt` for the API).
 */
export function createEngine(
  ruleSet: RuleSet,
  base: ProfileBase,
  options: Omit<EngineOptions, 'rules' | 'profiles' | 'prefixLists' | 'rates'> & { readonly on?: 'cdr' | 'attempt' } = {},
): Engine {
  const { on = 'cdr', ...engineOptions } = options;
  return new Engine({
    ...engineOptions,
    rules: ruleSet.rules.filter((r) => r.enabled && r.on === on).map(compileRule),
    profiles: new ProfileBook(ruleSet.profiles, base),
    prefixLists: new PrefixLists(ruleSet.prefixEntries),
    ...(ruleSet.rateEntries?.length ? { rates: new RateTable(ruleSet.rateEntries) } : {}),
    ...(on === 'cdr' && ruleSet.signalling ? { signalling: ruleSet.signalling.filter((r) => r.enabled).map(compileSignallingRule) } : {}),
  });
}
