import type { CompiledRule } from '../../rules/compile.js';
import { CountDetector } from './count.js';
import { DailyQuotaDetector } from './daily-quota.js';
import { DailyTotalDetector } from './daily-total.js';
import type { Detector } from './detector.js';
import { DistinctDetector } from './distinct.js';
import { RangeScoreDetector } from './range-score.js';
import { SequenceDetector } from './sequence.js';

/** The live window state for a rule's measure. */
export function detectorFor(rule: CompiledRule): Detector {
  switch (rule.measure.kind) {
    case 'count':
      return new CountDetector(rule);
    case 'distinct':
      return new DistinctDetector(rule);
    case 'sequence':
      return new SequenceDetector(rule);
    case 'dailyQuota':
      return new DailyQuotaDetector(rule);
    case 'dailyTotal':
      return new DailyTotalDetector(rule);
    case 'rangeScore':
      return new RangeScoreDetector(rule);
  }
}
