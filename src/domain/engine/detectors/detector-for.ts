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
import { LogTables } from '../windows/log-table.js';

/** The live window state for a rule's measure; window logs go in `logs`' table of the rule's kind of subject. */
export function detectorFor(rule: CompiledRule, money?: MoneyBook, logs?: LogTables): Detector {
  switch (rule.measure.kind) {
    case 'count':
      return new CountDetector(rule, logs?.of(rule.keyKind));
    case 'distinct':
      return new DistinctDetector(rule, logs?.of(rule.keyKind));
    case 'sequence':
      return new SequenceDetector(rule, logs?.of(rule.keyKind));
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

/** Every rule's detector; the window logs of the rules keyed on one kind of subject share a table (one lookup per subject and call). */
export function detectorsFor(rules: readonly CompiledRule[], money?: MoneyBook): { readonly detectors: Detector[]; readonly logs: LogTables } {
  const logs = new LogTables();
  return { detectors: rules.map((r) => detectorFor(r, money, logs)), logs };
}
