import type { CompiledRule } from '../../rules/compile.js';
import { formatDuration } from '../../rules/duration.js';
import type { MeasureSpec } from '../../rules/spec.js';
import type { CallEvent } from '../event.js';
import { KeyedLog } from '../windows/keyed-log.js';
import { longestRunAround } from '../windows/sequence.js';
import type { Detector, HorizonOf, Observation } from './detector.js';

type SequenceMeasure = Extract<MeasureSpec, { kind: 'sequence' }>;

/** Sequential-number dialling (war-dialling, number enumeration; G2). */
export class SequenceDetector implements Detector {
  private readonly log = new KeyedLog<number>(true);
  private readonly maxStep: number;

  constructor(readonly rule: CompiledRule) {
    this.maxStep = (rule.measure as SequenceMeasure).maxStep;
  }

  get keyCount(): number {
    return this.log.keyCount;
  }

  observe(event: CallEvent, key: string): Observation | null {
    const digits = event.calleeText.replace(/^\+/, '');
    if (!/^\d{3,15}$/.test(digits)) return null;
    const { view, index } = this.log.insert(key, event.t, event.seq, Number(digits));
    const run = longestRunAround(view, index, this.rule.windowMs, this.maxStep);
    if (!run) return null;
    const first = run.indices[0] as number;
    const last = run.indices[run.indices.length - 1] as number;
    const number = (i: number) => (event.calleeText.startsWith('+') ? '+' : '') + String(view.value(i));
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
