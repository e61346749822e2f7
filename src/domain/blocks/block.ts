import type { BlockScope } from '../rules/spec.js';
import type { Subject } from '../engine/verdicts.js';

/**
 * The one form of a block: issued by a CDR rule, an attempt rule or an operator, carried on the blocks topic, held
 * in every API replica's block table and stored in ClickHouse. Lifting makes a new state of the same block.
 */
export interface Block {
  readonly kind: 'block';
  readonly id: string;
  readonly tenant: string;
  readonly rule: string;
  readonly severity: 'critical';
  readonly subject: Subject;
  readonly reason: string;
  /** 1 for a first offence; higher for repeat offenders within the escalation period. */
  readonly level: number;
  /** `international` blocks only the subject's international calls. */
  readonly scope: BlockScope;
  /**
   * A graded answer (issue 16): instead of refusing every call, block-check allows the subject `calls` calls per
   * `perMs` and refuses the rest (`action: "throttle"`). Absent for a block proper.
   */
  readonly throttle?: Throttle;
  readonly startsAt: number;
  readonly expiresAt: number;
  /** CDR ids that reached the threshold (empty for manual blocks and blocks read back from ClickHouse). */
  readonly evidence: readonly string[];
  /** `rule`: issued by a CDR or attempt rule · `manual`: an operator's block (admin API). */
  readonly source: 'rule' | 'manual';
  readonly createdBy: string;
  readonly state: 'active' | 'lifted';
  readonly liftedAt?: number;
  readonly liftedBy?: string;
  readonly liftReason?: string;
}

/** The rate a throttle allows: at most `calls` calls in any `perMs` span. */
export interface Throttle {
  readonly calls: number;
  readonly perMs: number;
}

/** Shared by every block without evidence, so a million bootstrapped blocks hold no million empty arrays. */
export const NO_EVIDENCE: readonly string[] = Object.freeze([]);

export function liftBlock(b: Block, at: number, by: string, reason: string): Block {
  return { ...b, state: 'lifted', liftedAt: at, liftedBy: by, liftReason: reason };
}

/** Who lifts a throttle that a block of its rule replaced (`liftedBy`; an operator's lift names the operator). */
export const supersededBy = (rule: string): string => `rule:${rule}`;

/**
 * Which stored row of a block wins (ReplacingMergeTree version): a rule block re-inserted (retry, replay) never
 * overrides a lift or an operator's change; a lift always outranks the active row it replaces. A rule's own lift
 * of its throttle (superseded by its block) ranks just above the active row (0) and below any operator's lift
 * (its time): the engine does not know an operator lifted the throttle first, and the operator's lift stays.
 */
export function blockVersion(b: Block): number {
  if (b.state === 'lifted') return b.liftedBy === supersededBy(b.rule) ? 1 : (b.liftedAt ?? b.startsAt);
  return b.source === 'manual' ? b.startsAt : 0;
}
