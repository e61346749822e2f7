import type { CompiledRule } from '../../rules/compile.js';
import { formatDuration } from '../../rules/duration.js';
import type { CallEvent } from '../event.js';
import type { LogTable } from '../windows/log-table.js';
import { KeyedLog } from '../windows/keyed-log.js';
import { densestSpan } from '../windows/spans.js';
import { seqRange, type Detector, type HorizonOf, type Observation } from './detector.js';

/** Calls per key within any span shorter than the window (velocity, EV06/EV07/EV12/EV13). */
export class CountDetector implements Detector {
  private readonly log: KeyedLog;
  private readonly span = { first: 0, last: 0 };
  /** Reused for every call: valid until the next observe. */
  private readonly seen: Observation;

  /** `table`: the log table of the rules keyed on the rule's kind of subject (the engine's), else one of its own. */
  constructor(
    readonly rule: CompiledRule,
    table?: LogTable,
  ) {
    this.log = new KeyedLog(false, table && { table, windowMs: rule.windowMs });
    const { log, span } = this;
    const window = formatDuration(rule.windowMs);
    this.seen = {
      value: 0,
      reachedAt: (need) => log.view.time(Math.min(span.first + need - 1, span.last)),
      evidence: () => seqRange((i) => log.view.seq(i), span.first, span.last),
      details: () => ({
        calls: span.last - span.first + 1,
        window,
        from: new Date(log.view.time(span.first)).toISOString(),
        to: new Date(log.view.time(span.last)).toISOString(),
      }),
    };
  }

  get keyCount(): number {
    return this.log.keyCount;
  }

  observe(event: CallEvent, key: string): Observation {
    const index = this.log.insert(key, event.t, event.seq);
    densestSpan(this.log.view, index, this.rule.windowMs, this.span);
    this.seen.value = this.span.last - this.span.first + 1;
    return this.seen;
  }

  trim(horizonOf: HorizonOf): void {
    this.log.trim(horizonOf);
  }
}
