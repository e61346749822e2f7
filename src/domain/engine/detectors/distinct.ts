import type { CompiledRule } from '../../rules/compile.js';
import { formatDuration } from '../../rules/duration.js';
import type { MeasureSpec } from '../../rules/spec.js';
import type { CallEvent } from '../event.js';
import { hash30 } from '../../hash.js';
import type { LogTable } from '../windows/log-table.js';
import { KeyedLog } from '../windows/keyed-log.js';
import { distinctReachedAt, eventsNear, mostDistinctSpan } from '../windows/spans.js';
import { firingFloor, seqRange, type Detector, type HorizonOf, type Observation } from './detector.js';

type DistinctMeasure = Extract<MeasureSpec, { kind: 'distinct' }>;

/**
 * Distinct values per key within the window: accounts per source IP (credential stuffing, EV01/EV12), callers
 * per destination prefix (traffic pumping, G2 "similar origins"), optionally only when most calls were short.
 * Each call is logged as its value's 30-bit hash times two plus one when it was short: a number per call, no
 * object (two values of one window sharing a hash, about one in 10^6 for 50 values, would count once).
 */
export class DistinctDetector implements Detector {
  private readonly log: KeyedLog;
  private readonly measure: DistinctMeasure;
  private readonly floor: number;
  private readonly span = { first: 0, last: 0, distinct: 0, shortShare: 0 };
  private readonly valueAt = (i: number): number => Math.floor(this.log.view.value(i) / 2);
  private readonly shortAt = (i: number): boolean => this.log.view.value(i) % 2 === 1;
  /** Reused for every call: valid until the next observe. */
  private readonly seen: Observation;

  /** `table`: the log table of the rules keyed on the rule's kind of subject (the engine's), else one of its own. */
  constructor(
    readonly rule: CompiledRule,
    table?: LogTable,
  ) {
    this.log = new KeyedLog(true, table && { table, windowMs: rule.windowMs });
    this.measure = rule.measure as DistinctMeasure;
    this.floor = firingFloor(rule);
    const { log, span, measure, valueAt } = this;
    const window = formatDuration(rule.windowMs);
    this.seen = {
      value: 0,
      reachedAt: (need) => log.view.time(distinctReachedAt(valueAt, span, need)),
      evidence: () => seqRange((i) => log.view.seq(i), span.first, span.last),
      details: () => {
        const d: Record<string, string | number> = {
          distinct: span.distinct,
          of: measure.of,
          calls: span.last - span.first + 1,
          window,
          from: new Date(log.view.time(span.first)).toISOString(),
          to: new Date(log.view.time(span.last)).toISOString(),
        };
        if (measure.shortCalls) {
          d['shortShare'] = Math.round(span.shortShare * 1000) / 1000;
          d['shortMaxBillSec'] = measure.shortCalls.maxBillSec;
        }
        return d;
      },
    };
  }

  get keyCount(): number {
    return this.log.keyCount;
  }

  observe(event: CallEvent, key: string): Observation | null {
    const value = this.valueOf(event);
    if (value === undefined) return null;
    const short = this.measure.shortCalls;
    const isShort = event.billSec <= (short?.maxBillSec ?? Infinity);
    const index = this.log.insert(key, event.t, event.seq, hash30(value) * 2 + (isShort ? 1 : 0));
    // most keys hold a call or two around this one: not enough for any threshold
    const near = eventsNear(this.log.view, index, this.rule.windowMs);
    if (near < this.floor) return null;
    if (near === 1) return this.alone(index, short?.minShare ?? 0);
    if (!mostDistinctSpan(this.log.view, index, this.rule.windowMs, this.valueAt, this.shortAt, short?.minShare ?? 0, this.span)) return null;
    this.seen.value = this.span.distinct;
    return this.seen;
  }

  /** The call alone in its window (a baseline rule still learns its 1): the span is the call. */
  private alone(index: number, minShare: number): Observation | null {
    const shortShare = this.shortAt(index) ? 1 : 0;
    if (shortShare < minShare) return null;
    const span = this.span; // written field by field: this is the common path, no object per call
    span.first = index;
    span.last = index;
    span.distinct = 1;
    span.shortShare = shortShare;
    this.seen.value = 1;
    return this.seen;
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
