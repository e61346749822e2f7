import type { MoneyBook } from '../../cost/money-book.js';
import type { CompiledRule } from '../../rules/compile.js';
import { CountDetector } from './count.js';
import { DailyQuotaDetector } from './daily-quota.js';
import { DailyTotalDetector } from './daily-total.js';
import type { Detector } from './detector.js';
import { DistinctDetector } from './distinct.js';
import { ExposureDetector } from './exposure.js';
import { MoneyCapDetector } from './money-cap.js';
import { RangeScoreDetector } from './range-score.js';
import { SequenceDetector } from './sequence.js';

/** The live window state for a rule's measure. */
export function detectorFor(rule: CompiledRule, money?: MoneyBook): Detector {
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
    case 'sum':
      return new ExposureDetector(rule);
    case 'moneyCap':
      if (!money) throw new Error(`rule ${rule.id}: a moneyCap rule needs the engine's money book`);
      return new MoneyCapDetector(rule, money);
    case 'rangeScore':
      return new RangeScoreDetector(rule);
  }
}
