import { scaled, type Limits } from '../engine/limits.js';
import type { CompiledRule } from '../rules/compile.js';
import type { Baseline, LearningCall } from '../usage/usage-book.js';
import type { MoneyBook } from './money-book.js';

const NOTHING_LEARNED: Baseline = { value: 0, from: 'none: no daily cost learned yet for this day class' };
const FROM = ['learned daily cost, business days', 'learned daily cost, closed days'] as const;

/**
 * `baseline: dailyCost` (issue 16, G3): thresholds scale with the account's usual daily cost on days of the call's
 * class, max(floor, factor × daily cost). A value at or above the critical threshold spoils the day: its total is
 * never learned, so an attack does not become the account's usual spend.
 */
export class DailyCostBaseline {
  constructor(
    private readonly rule: CompiledRule,
    private readonly money: MoneyBook,
  ) {}

  /** The thresholds for `value`, observed on the account of the call the money book observed last. */
  judge(call: LearningCall, value: number): Limits {
    const m = this.money.current;
    const typical = m === undefined ? undefined : this.money.typical(m, call.at.dayClass);
    const limits = scaled(this.rule, typical === undefined ? NOTHING_LEARNED : { value: typical, from: FROM[call.at.dayClass] });
    if (m !== undefined && value >= (limits.learnBelow ?? Infinity) && call.at.day === m.day) m.spoiledDay = m.day;
    return limits;
  }
}
