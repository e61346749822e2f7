import type { CompiledRule } from '../../rules/compile.js';
import { formatDuration } from '../../rules/duration.js';
import type { MeasureSpec } from '../../rules/spec.js';
import type { CallEvent } from '../event.js';
import type { LogTable } from '../windows/log-table.js';
import { KeyedLog, type LogView } from '../windows/keyed-log.js';
import { longestRunAround } from '../windows/sequence.js';
import { eventsNear } from '../windows/spans.js';
import { firingFloor, type Detector, type HorizonOf, type Observation } from './detector.js';

type SequenceMeasure = Extract<MeasureSpec, { kind: 'sequence' }>;
/** A dialled number of 3 to 15 digits, with or without its `+`. */
const NUMBER = /^\+?\d{3,15}$/;
const PLUS = 43;
const ZERO = 48;

/**
 * Sequential-number dialling (war-dialling, number enumeration; G2). Each call is logged as its dialled digits
 * times two plus one when it was short (E.164 numbers have at most 15 digits: the code stays inside 2^53), so a
 * run knows its share of short calls without an object per call.
 */
export class SequenceDetector implements Detector {
  private readonly log: KeyedLog;
  private readonly maxStep: number;
  private readonly floor: number;
  private readonly short: SequenceMeasure['shortCalls'];
  private readonly number = (view: LogView) => (i: number) => Math.floor(view.value(i) / 2);

  /** `table`: the log table of the rules keyed on the rule's kind of subject (the engine's), else one of its own. */
  constructor(
    readonly rule: CompiledRule,
    table?: LogTable,
  ) {
    this.log = new KeyedLog(true, table && { table, windowMs: rule.windowMs });
    this.maxStep = (rule.measure as SequenceMeasure).maxStep;
    this.short = (rule.measure as SequenceMeasure).shortCalls;
    this.floor = firingFloor(rule);
  }

  get keyCount(): number {
    return this.log.keyCount;
  }

  observe(event: CallEvent, key: string): Observation | null {
    // read in place, no substring: every call of a sequence rule passes here
    const text = event.calleeText;
    if (!NUMBER.test(text)) return null;
    let dialled = 0;
    for (let i = text.charCodeAt(0) === PLUS ? 1 : 0; i < text.length; i++) dialled = dialled * 10 + (text.charCodeAt(i) - ZERO);
    const isShort = event.billSec <= (this.short?.maxBillSec ?? Infinity);
    const index = this.log.insert(key, event.t, event.seq, dialled * 2 + (isShort ? 1 : 0));
    const view = this.log.view;
    // most callers' logs hold a call or two around this one: no run could reach a threshold
    if (eventsNear(view, index, this.rule.windowMs) < this.floor) return null;
    const numberAt = this.number(view);
    const run = longestRunAround(view, index, this.rule.windowMs, this.maxStep, numberAt);
    if (!run) return null;
    const shortShare = run.indices.filter((i) => view.value(i) % 2 === 1).length / run.indices.length;
    if (this.short && shortShare < this.short.minShare) return null;
    const first = run.indices[0] as number;
    const last = run.indices[run.indices.length - 1] as number;
    const number = (i: number) => (event.calleeText.startsWith('+') ? '+' : '') + String(numberAt(i));
    return {
      value: run.indices.length,
      reachedAt: (need) => view.time(run.indices[Math.min(need, run.indices.length) - 1] as number),
      evidence: () => run.indices.map((i) => view.seq(i)),
      details: () => ({
        run: run.indices.length,
        direction: run.direction,
        firstNumber: number(first),
        lastNumber: number(last),
        maxStep: this.maxStep,
        ...(this.short ? { shortShare: Math.round(shortShare * 1000) / 1000, shortMaxBillSec: this.short.maxBillSec } : {}),
        window: formatDuration(this.rule.windowMs),
        from: new Date(view.time(first)).toISOString(),
        to: new Date(view.time(last)).toISOString(),
      }),
    };
  }

  trim(horizonOf: HorizonOf): void {
    this.log.trim(horizonOf);
  }
}
