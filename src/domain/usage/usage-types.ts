import type { CallEvent } from '../engine/event.js';
import type { HourClass } from './hour-class.js';
import type { SubjectKind } from './subjects.js';

/** One call as the baseline rules judge it: built once per call, shared by every such rule. */
export interface LearningCall {
  readonly e: CallEvent;
  readonly at: HourClass;
  /** False while a rebuild replays calls a restored profile already learned. */
  readonly teaches: boolean;
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
