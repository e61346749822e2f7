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

/** A site opening (Sentinela's first day) is blocked only at this multiple of the thresholds: EV12's 5 becomes 15. */
export const OPENING_CEILING = 3;

/** 1.1 × 50 is 55.00000000000001 in floating point: not a reason to ask for 56. */
const wholeUp = (t: number): number => Math.ceil(t - 1e-9);
const MONEY_MEASURES: ReadonlySet<string> = new Set(['dailyTotal', 'dailyQuota', 'sum', 'moneyCap']);
const isWhole = (rule: CompiledRule): boolean => !MONEY_MEASURES.has(rule.measure.kind);

function scale(floor: number | undefined, factor: number | undefined, baseline: number, whole: boolean): number | undefined {
  if (floor === undefined || factor === undefined) return floor;
  const t = Math.max(floor, factor * baseline);
  return whole ? wholeUp(t) : t;
}

/** Thresholds scaled by a baseline: max(floor, factor × baseline); whole numbers for counting measures. */
export function scaled(rule: CompiledRule, baseline: Baseline): Limits {
  const whole = isWhole(rule);
  const critical = scale(rule.critical, rule.criticalFactor, baseline.value, whole);
  const warn = scale(rule.warn, rule.warnFactor, baseline.value, whole);
  let blockAt = rule.block?.at;
  if (blockAt !== undefined && rule.critical !== undefined && critical !== undefined) {
    blockAt = (blockAt * critical) / rule.critical;
    if (whole) blockAt = wholeUp(blockAt);
  }
  const learnBelow = Math.min(critical ?? Infinity, blockAt ?? Infinity);
  // a site opening (usage-book `firstAddress`): warned about, blocked only far beyond the thresholds
  if (rule.block?.sharedSite === 'warn' && baseline.opening === true) {
    const ceiling = (t: number | undefined) => (t === undefined ? undefined : t * OPENING_CEILING);
    return { warn: Math.min(warn ?? Infinity, critical ?? Infinity), critical: ceiling(critical), blockAt: ceiling(blockAt), baseline, learnBelow };
  }
  // a site shared by several callers is warned about, never blocked whole (`block.sharedSite: warn`)
  if (rule.block?.sharedSite === 'warn' && baseline.shared === true) {
    return { warn: Math.min(warn ?? Infinity, critical ?? Infinity), critical: undefined, blockAt: undefined, baseline, learnBelow };
  }
  return { warn, critical, blockAt, baseline, learnBelow };
}
