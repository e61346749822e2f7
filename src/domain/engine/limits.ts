import type { CompiledRule } from '../rules/compile.js';
import type { Baseline } from '../usage/usage-book.js';

/** Thresholds in force for one observation: the rule's own, or scaled by the subject's baseline (G3). */
export interface Limits {
  readonly warn: number | undefined;
  readonly critical: number | undefined;
  readonly blockAt: number | undefined;
  /** Why the thresholds are what they are (alert details). */
  readonly baseline?: Baseline;
  /**
   * Values from here on are an anomaly for the subject (critical before a shared site's downgrade to a warning):
   * never learned, and they make the subject forget what today taught.
   */
  readonly learnBelow?: number;
}

export const ruleLimits = (rule: CompiledRule): Limits => ({ warn: rule.warn, critical: rule.critical, blockAt: rule.block?.at });

/** Thresholds scaled by a baseline: max(floor, factor × baseline); whole numbers for counting measures. */
export function scaled(rule: CompiledRule, baseline: Baseline): Limits {
  const whole = rule.measure.kind !== 'dailyTotal' && rule.measure.kind !== 'dailyQuota';
  // 1.1 × 50 is 55.00000000000001 in floating point: not a reason to ask for 56
  const round = (t: number) => (whole ? Math.ceil(t - 1e-9) : t);
  const scale = (floor: number | undefined, factor: number | undefined) =>
    floor === undefined || factor === undefined ? floor : round(Math.max(floor, factor * baseline.value));
  const critical = scale(rule.critical, rule.criticalFactor);
  const warn = scale(rule.warn, rule.warnFactor);
  const blockAt =
    rule.block === undefined
      ? undefined
      : rule.critical !== undefined && critical !== undefined
        ? round((rule.block.at * critical) / rule.critical)
        : rule.block.at;
  const learnBelow = Math.min(critical ?? Infinity, blockAt ?? Infinity);
  // a site shared by several callers is warned about, never blocked whole (`block.sharedSite: warn`)
  if (rule.block?.sharedSite === 'warn' && baseline.shared === true) {
    return { warn: Math.min(warn ?? Infinity, critical ?? Infinity), critical: undefined, blockAt: undefined, baseline, learnBelow };
  }
  return { warn, critical, blockAt, baseline, learnBelow };
}
