import type { CompiledRule } from '../../rules/compile.js';
import { formatDuration } from '../../rules/duration.js';
import type { CallEvent } from '../event.js';
import { KeyedLog } from '../windows/keyed-log.js';
import { densestSpan } from '../windows/spans.js';
import { seqRange, type Detector, type HorizonOf, type Observation } from './detector.js';

/** Calls per key within any span shorter than the window (velocity, EV06/EV07/EV12/EV13). */
export class CountDetector implements Detector {
  private readonly log = new KeyedLog(false);
  constructor(readonly rule: CompiledRule) {}

  get keyCount(): number {
    return this.log.keyCount;
  }

  observe(event: CallEvent, key: string): Observation {
    const { view, index } = this.log.insert(key, event.t, event.seq);
    const span = densestSpan(view, index, this.rule.windowMs);
    const count = span.last - span.first + 1;
    return {
      value: count,
      reachedAt: (need) => view.time(Math.min(span.first + need - 1, span.last)),
      evidence: () => seqRange((i) => view.seq(i), span.first, span.last),
      details: () => ({
        calls: count,
        window: formatDuration(this.rule.windowMs),
        from: new Date(view.time(span.first)).toISOString(),
        to: new Date(view.time(span.last)).toISOString(),
      }),
    };
  }

  trim(horizonOf: HorizonOf): void {
    this.log.trim(horizonOf);
  }
}
