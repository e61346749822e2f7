import type { CompiledRule } from '../../rules/compile.js';
import type { CallEvent } from '../event.js';
import type { DetailValue } from '../verdicts.js';
import type { HorizonOf } from '../windows/keyed-log.js';

/**
 * What a detector saw after counting one call: the measure and how to explain it. Count and distinct detectors
 * reuse one observation for every call (counting allocates nothing), so it is valid until the detector's next
 * `observe`.
 */
export interface Observation {
  /** The rule's measure: calls, distinct values, run length, or percent of quota. */
  value: number;
  /** Event time at which the measure reached `need` (for `at` and block start). */
  readonly reachedAt: (need: number) => number;
  /** Arrival sequence numbers of the calls behind the measure (resolved to CDR ids by the engine). Lazy: only firing observations pay for it. */
  readonly evidence: () => readonly number[];
  /** A fresh object on every call: the engine adds the decision's fields (value, threshold…) to it. */
  readonly details: () => Record<string, DetailValue>;
  /** Money caps: whose cap the measure is, the day's or the month's (a `capPeriod` block lasts to its end). */
  readonly period?: 'day' | 'month';
}

/**
 * Event-time horizon of a key (`tenant NUL …`): each tenant's stream has its own watermark. `latest`, when given,
 * is no earlier than any key's horizon (a window may skip keys whose oldest event is at or after it).
 */
export type { HorizonOf };

/** The live window state of one rule (CGRateS: profile vs live state): updated per call, never recomputed. */
export interface Detector {
  readonly rule: CompiledRule;
  /** Counts the call under `key` (tenant + subject) and returns the measure around it, or null. */
  observe(event: CallEvent, key: string): Observation | null;
  /** Forgets what happened before the horizon of each key (event time; per tenant, see Engine). */
  trim(horizonOf: HorizonOf): void;
  readonly keyCount: number;
}

/**
 * The smallest measure that can fire the rule: its lowest threshold. Thresholds scaled by a baseline never go
 * below their floors, but a baseline rule learns every value, so it has none.
 */
export function firingFloor(rule: CompiledRule): number {
  return rule.baseline ? 0 : Math.min(rule.warn ?? Infinity, rule.critical ?? Infinity, rule.block?.at ?? Infinity);
}

/** Evidence lists are capped; details.value always has the full count. */
export const MAX_EVIDENCE = 50;

export function seqRange(seqOf: (i: number) => number, first: number, last: number): number[] {
  const out: number[] = [];
  for (let i = first; i <= last && out.length < MAX_EVIDENCE; i++) out.push(seqOf(i));
  return out;
}
