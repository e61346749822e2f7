import type { CallEvent } from '../engine/event.js';
import type { HourClass } from './hour-class.js';
import type { SubjectKind } from './subjects.js';

/** One call as the baseline rules judge it: built once per call, shared by every such rule. */
export interface LearningCall {
  readonly e: CallEvent;
  readonly at: HourClass;
  /** False while a rebuild replays calls a restored profile already learned. */
  readonly teaches: boolean;
  /**
   * Whether an anomaly taints the subject for the rest of its day: not while a rebuild replays calls the restored
   * profile already judged (it holds their taints; judged again against the end-of-run profile, an opening site
   * warned about would look like an intruder), but a late call after a restart does. Gap: a call that ended
   * before the snapshot's `through` yet arrived after it is taken as judged; its taint, if it set one, is lost
   * (its block is restored; only the strictness for the rest of that day goes).
   */
  readonly taints: boolean;
}

/** What a scaled threshold is scaled by, and why (alerts explain themselves). */
export interface Baseline {
  readonly value: number;
  readonly from: string;
  /** The subject is a site shared by several established callers (an office or call centre behind NAT). */
  readonly shared?: boolean;
  /** Shared only as a site opening (`firstAddress`): warned about up to OPENING_CEILING × the thresholds, then blocked. */
  readonly opening?: boolean;
}

export type ColdStart = 'floor' | 'callers' | 'accounts' | 'peers';

/** Where one rule's learned levels live: slot `index` of every subject of `kind`. */
export interface LevelSlot {
  readonly id: string;
  readonly kind: SubjectKind;
  readonly index: number;
}
