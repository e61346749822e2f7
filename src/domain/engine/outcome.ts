import type { CallEvent } from './event.js';
import type { Verdict } from './verdicts.js';

/**
 * evaluated: counted by the rules · emergency: never counted (G4) · too-late: older than the allowed lateness,
 * windows already forgotten · future: starts after now + skew · duplicate: this CDR id was already counted
 * (re-delivery) · leg: another leg of a call already counted (same callId).
 */
export type EventStatus = 'evaluated' | 'emergency' | 'too-late' | 'future' | 'duplicate' | 'leg';
export const EVENT_STATUSES: readonly EventStatus[] = ['evaluated', 'emergency', 'too-late', 'future', 'duplicate', 'leg'];
export interface Outcome {
  readonly status: EventStatus;
  readonly verdicts: readonly Verdict[];
  /** The call as the rules read it; undefined when the CDR was not evaluated (future, too-late, repeats). */
  readonly event?: CallEvent;
}

export interface RuleStats {
  /** CDRs the rule looked at (matched its filter and had a subject). */
  evaluations: number;
  alerts: number;
  blocks: number;
  /** Throttles issued (graded actions: `throttle` in the rule); a throttle its block lifts counts once. */
  throttles: number;
  suppressed: number;
}
