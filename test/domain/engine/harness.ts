import assert from 'node:assert/strict';
import { loadRuleFiles } from '../../../src/adapters/files/rule-files.js';
import { parseCdr } from '../../../src/domain/cdr/parse.js';
import type { Cdr, CdrInput } from '../../../src/domain/cdr/contract.js';
import { createEngine } from '../../../src/domain/engine/build.js';
import type { Engine, Outcome } from '../../../src/domain/engine/engine.js';
import type { Alert, Block, Verdict } from '../../../src/domain/engine/verdicts.js';
import { profilesFileSpec } from '../../../src/domain/rules/profile-spec.js';
import { ruleSpec } from '../../../src/domain/rules/spec.js';

/** The shipped rules: unit tests exercise the defaults operators get. */
export const DEFAULT_RULES = loadRuleFiles('rules');

export interface HarnessOptions {
  /** Keep only these rule ids (default: every shipped rule). */
  readonly only?: readonly string[];
  /** Extra or replacement rules, as they would be written in a rule file. */
  readonly rules?: readonly unknown[];
  /** profiles.yaml content (default: the shipped one). */
  readonly profiles?: unknown;
  readonly allowedLatenessMs?: number;
  /** EngineOptions.uniqueEvents (the block-check's attempt engine). */
  readonly uniqueEvents?: boolean;
  readonly maxUsageSubjects?: number;
}

/** An engine over the shipped rules (or a subset), with a CDR builder and verdict helpers. */
export function harness(options: HarnessOptions = {}) {
  const extra = (options.rules ?? []).map((r) => ruleSpec.parse(r));
  const shipped = DEFAULT_RULES.rules.filter((r) => (options.only ? options.only.includes(r.id) : true));
  const engine: Engine = createEngine(
    {
      rules: [...shipped.filter((r) => !extra.some((e) => e.id === r.id)), ...extra],
      profiles: options.profiles === undefined ? DEFAULT_RULES.profiles : profilesFileSpec.parse(options.profiles),
      prefixEntries: DEFAULT_RULES.prefixEntries,
      rateEntries: DEFAULT_RULES.rateEntries,
    },
    { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' } },
    {
      ...(options.allowedLatenessMs === undefined ? {} : { allowedLatenessMs: options.allowedLatenessMs }),
      ...(options.uniqueEvents === undefined ? {} : { uniqueEvents: options.uniqueEvents }),
      ...(options.maxUsageSubjects === undefined ? {} : { maxUsageSubjects: options.maxUsageSubjects }),
    },
  );
  let nextId = 1;
  const verdicts: Verdict[] = [];

  /** A valid canonical CDR starting at `at` (ISO with offset); answered for `billSec` seconds when > 0. */
  const call = (at: string, fields: Partial<CdrInput> & { billSec?: number } = {}): Cdr => {
    const start = Date.parse(at);
    const bill = fields.billSec ?? 30;
    const input: CdrInput = {
      id: `c${nextId}`,
      tenant: 'acme',
      account: 'sales',
      caller: '+551130001000',
      // a different number per call, never consecutive (people call many numbers; sequential dialling is its own test)
      callee: `+5511${40_000_000 + ((nextId * 7_919_993) % 9_999_991)}`,
      startedAt: start,
      answeredAt: bill > 0 ? start : null,
      endedAt: start + bill * 1000,
      durationSec: bill,
      billSec: bill,
      disposition: bill > 0 ? 'ANSWERED' : 'NO ANSWER',
      direction: 'outbound',
      ...fields,
    };
    nextId++;
    const parsed = parseCdr(input);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
    return parsed.cdr;
  };

  /** Processes CDRs in the given order with the arrival time (call end) as `now`; returns their verdicts. */
  const feed = (...cdrs: Cdr[]): Verdict[] => {
    const out: Verdict[] = [];
    for (const cdr of cdrs) out.push(...process(cdr).verdicts);
    return out;
  };
  const process = (cdr: Cdr, now = cdr.endedAt): Outcome => {
    const outcome = engine.process(cdr, now);
    verdicts.push(...outcome.verdicts);
    return outcome;
  };
  return { engine, call, feed, process, verdicts };
}

export const alertsOf = (vs: readonly Verdict[], rule?: string): Alert[] =>
  vs.filter((v): v is Alert => v.kind === 'alert' && (rule === undefined || v.rule === rule));
/** Blocks proper: throttles (graded actions, a Block with a rate) are `throttlesOf`. */
export const blocksOf = (vs: readonly Verdict[], rule?: string): Block[] =>
  vs.filter((v): v is Block => v.kind === 'block' && v.throttle === undefined && (rule === undefined || v.rule === rule));
export const throttlesOf = (vs: readonly Verdict[], rule?: string): Block[] =>
  vs.filter((v): v is Block => v.kind === 'block' && v.throttle !== undefined && (rule === undefined || v.rule === rule));

/** `count` calls starting at `at`, `gapSec` apart, built by `make(iso, i)`. */
export function series(at: string, count: number, gapSec: number, make: (iso: string, i: number) => Cdr): Cdr[] {
  const start = Date.parse(at);
  return Array.from({ length: count }, (_, i) => make(new Date(start + i * gapSec * 1000).toISOString(), i));
}

export const minutes = (n: number) => n * 60_000;
