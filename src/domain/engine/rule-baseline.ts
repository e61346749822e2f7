import type { CompiledRule } from '../rules/compile.js';
import type { HourClass } from '../usage/hour-class.js';
import type { Levels } from '../usage/levels.js';
import type { UsageBook } from '../usage/usage-book.js';
import type { CallEvent } from './event.js';
import { scaled, type Limits } from './limits.js';

/** One `baseline:` rule's learning (G3): thresholds scaled by what the subject usually does, and what it learns. */
export class RuleBaseline {
  private readonly levels: Map<string, Levels>;
  /** Per account, what its callers reach (`baseline: peers`). */
  private readonly peers: Map<string, Levels> | undefined;
  /** The smallest baseline that lifts a threshold above its floor (floor / factor). */
  private readonly lift: number;

  constructor(
    private readonly rule: CompiledRule & { readonly baseline: NonNullable<CompiledRule['baseline']> },
    private readonly usage: UsageBook,
  ) {
    this.levels = usage.levelsOf(rule.id);
    this.peers = rule.baseline.coldStart === 'peers' ? usage.peersOf(rule.id) : undefined;
    this.lift = Math.min((rule.warn ?? Infinity) / (rule.warnFactor ?? 1), (rule.critical ?? Infinity) / (rule.criticalFactor ?? 1));
  }

  /**
   * The thresholds for `value` observed on the subject under `key`, learning it when it is ordinary. `teaches` is
   * false while a rebuild replays calls a restored profile already learned.
   */
  judge(key: string, kind: string, e: CallEvent, at: HourClass, value: number, teaches: boolean): Limits {
    const peerKey = `${e.tenant}\u0000${e.account}`;
    const limits = scaled(this.rule, this.usage.baseline(this.levels.get(key), kind, key, this.rule.baseline.coldStart, e, at, this.peers));
    if (value < (limits.learnBelow ?? Infinity)) {
      if (!teaches) return limits;
      // a caller's own level matters only once it could lift the floor (most callers never do: no profile for them)
      if (!this.peers || this.levels.has(key) || value > this.lift) this.usage.learn(this.levels, key, at, value);
      if (this.peers) this.usage.learn(this.peers, peerKey, at, value);
      return limits;
    }
    // an anomaly never becomes the baseline: the ramp-up of today is forgotten, and an address that raised the
    // alarm (not a shared office only warned about) is judged by the floor for the rest of its day
    if (limits.critical !== undefined) this.usage.taint(key, at.day);
    if (teaches) {
      this.levels.get(key)?.forgetToday();
      this.peers?.get(peerKey)?.forgetToday();
    }
    return limits;
  }
}
