import type { CompiledRule } from '../../rules/compile.js';
import { formatDuration } from '../../rules/duration.js';
import type { MeasureSpec } from '../../rules/spec.js';
import type { CallEvent } from '../event.js';
import { KeyedLog } from '../windows/keyed-log.js';
import { distinctReachedAt, mostDistinctSpan } from '../windows/spans.js';
import { seqRange, type Detector, type HorizonOf, type Observation } from './detector.js';

type DistinctMeasure = Extract<MeasureSpec, { kind: 'distinct' }>;
interface Entry {
  readonly value: string;
  readonly short: boolean;
}

/**
 * Distinct values per key within the window: accounts per source IP (credential stuffing, EV01/EV12), callers
 * per destination prefix (traffic pumping, G2 "similar origins"), optionally only when most calls were short.
 */
export class DistinctDetector implements Detector {
  private readonly log = new KeyedLog<Entry>(true);
  private readonly measure: DistinctMeasure;

  constructor(readonly rule: CompiledRule) {
    this.measure = rule.measure as DistinctMeasure;
  }

  get keyCount(): number {
    return this.log.keyCount;
  }

  observe(event: CallEvent, key: string): Observation | null {
    const value = this.valueOf(event);
    if (value === undefined) return null;
    const maxBill = this.measure.shortCalls?.maxBillSec ?? Infinity;
    const minShare = this.measure.shortCalls?.minShare ?? 0;
    const { view, index } = this.log.insert(key, event.t, event.seq, { value, short: event.billSec <= maxBill });
    const valueAt = (i: number) => view.value(i).value;
    const span = mostDistinctSpan(
      view,
      index,
      this.rule.windowMs,
      valueAt,
      (i) => view.value(i).short,
      (s) => s.shortShare >= minShare,
    );
    if (!span) return null;
    const details = (): Record<string, string | number> => {
      const d: Record<string, string | number> = {
        distinct: span.distinct,
        of: this.measure.of,
        calls: span.last - span.first + 1,
        window: formatDuration(this.rule.windowMs),
        from: new Date(view.time(span.first)).toISOString(),
        to: new Date(view.time(span.last)).toISOString(),
      };
      if (this.measure.shortCalls) {
        d['shortShare'] = Math.round(span.shortShare * 1000) / 1000;
        d['shortMaxBillSec'] = this.measure.shortCalls.maxBillSec;
      }
      return d;
    };
    return {
      value: span.distinct,
      reachedAt: (need) => view.time(distinctReachedAt(valueAt, span, need)),
      evidence: () => seqRange((i) => view.seq(i), span.first, span.last),
      details,
    };
  }

  trim(horizonOf: HorizonOf): void {
    this.log.trim(horizonOf);
  }

  private valueOf(e: CallEvent): string | undefined {
    switch (this.measure.of) {
      case 'caller':
        return e.caller;
      case 'account':
        return e.account;
      case 'ip':
        return e.ip;
      case 'destination':
        return e.calleeText || undefined;
    }
  }
}
