import type { CompiledRule } from '../rules/compile.js';
import type { Baseline } from '../usage/usage-book.js';

/** Thresholds in force for one observation: the rule's own, or scaled by the subject's baseline (G3). */
export interface Limits {
  readonly warn: number | undefined;
  readonly critical: number | undefined;
  readonly blockAt: number | undefined;
  /** Why the thresholds are what they are (alert details). */
  readonly baseline?: Baseline;
}

export const ruleLimits = (rule: CompiledRule): Limits => ({ warn: rule.warn, critical: rule.critical, blockAt: rule.block?.at });

/** Thresholds scaled by a baseline: max(floor, factor × baseline); whole numbers for counting measures. */
export function scaled(rule: CompiledRule, baseline: Baseline): Limits {
  const whole = rule.measure.kind !== 'dailyTotal' && rule.measure.kind !== 'dailyQuota';
  const scale = (floor: number | undefined, factor: number | undefined) => {
    if (floor === undefined || factor === undefined) return floor;
    const t = Math.max(floor, factor * baseline.value);
    return whole ? Math.ceil(t) : t;
  };
  const critical = scale(rule.critical, rule.criticalFactor);
  const ratio = rule.critical !== undefined && critical !== undefined ? critical / rule.critical : 1;
  const warn = scale(rule.warn, rule.warnFactor);
  // a site shared by several callers is warned about, never blocked whole (`block.sharedSite: warn`)
  if (rule.block?.sharedSite === 'warn' && baseline.shared === true)
    return { warn: Math.min(warn ?? Infinity, critical ?? Infinity), critical: undefined, blockAt: undefined, baseline };
  const blockAt = rule.block === undefined ? undefined : whole ? Math.ceil(rule.block.at * ratio) : rule.block.at * ratio;
  return { warn, critical, blockAt, baseline };
}
