import type { CompiledRule } from '../rules/compile.js';
import type { SubjectKind } from '../usage/subjects.js';
import type { LearningCall, LevelSlot, UsageBook } from '../usage/usage-book.js';
import { ruleLimits, scaled, type Limits } from './limits.js';

/** One `baseline:` rule's learning (G3): thresholds scaled by what the subject usually does, and what it learns. */
export class RuleBaseline {
  private readonly slot: LevelSlot;
  /** Per account, what its callers reach (`baseline: peers`). */
  private readonly peers: LevelSlot | undefined;
  /** The smallest baseline that lifts a threshold above its floor (floor / factor). */
  private readonly lift: number;
  /**
   * The rule's lowest unscaled threshold: scaled thresholds never go below their floors, so a value under this
   * can fire nothing and is ordinary whatever the baseline; it is learned without computing one.
   */
  private readonly quiet: number;
  private readonly plain: Limits;

  constructor(
    private readonly rule: CompiledRule & { readonly baseline: NonNullable<CompiledRule['baseline']> },
    private readonly usage: UsageBook,
  ) {
    // rule validation admits baselines only on these keys
    this.slot = usage.levelSlot(rule.id, rule.keyKind as SubjectKind);
    this.peers = rule.baseline.coldStart === 'peers' ? usage.levelSlot(`${rule.id}#peers`, 'account') : undefined;
    this.lift = Math.min((rule.warn ?? Infinity) / (rule.warnFactor ?? 1), (rule.critical ?? Infinity) / (rule.criticalFactor ?? 1));
    this.quiet = Math.min(rule.warn ?? Infinity, rule.critical ?? Infinity, rule.block?.at ?? Infinity);
    this.plain = ruleLimits(rule);
  }

  /** The thresholds for `value`, observed on the subject of the call the usage book observed last; learns it when ordinary. */
  judge(call: LearningCall, value: number): Limits {
    const { at, teaches, taints } = call;
    const quiet = value < this.quiet;
    const limits = quiet ? this.plain : scaled(this.rule, this.usage.baseline(this.slot, this.rule.baseline.coldStart, call, this.peers));
    if (quiet || value < (limits.learnBelow ?? Infinity)) {
      if (!teaches) return limits;
      // a caller's own level matters only once it could lift the floor (most callers never do: no profile for them)
      if (!this.peers || value > this.lift || this.usage.levels(this.slot) !== undefined) this.usage.learn(this.slot, at, value);
      if (this.peers) this.usage.learn(this.peers, at, value);
      return limits;
    }
    // an anomaly never becomes the baseline: the ramp-up of today is forgotten, and an address that raised the
    // alarm (not a shared office only warned about) is judged by the floor for the rest of its day (also when the
    // call is late, or replayed after the restored snapshot: a restored taint is kept, and one it missed is set)
    // (a site opening only warned about below its ceiling is not tainted)
    if (taints && limits.critical !== undefined && value >= Math.min(limits.critical, limits.blockAt ?? Infinity)) this.usage.taint(this.slot.kind, at.day);
    if (!teaches) return limits;
    this.usage.levels(this.slot)?.forgetToday();
    if (this.peers) this.usage.levels(this.peers)?.forgetToday();
    return limits;
  }
}
