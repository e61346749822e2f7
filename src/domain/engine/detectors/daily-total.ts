import { localTime, nextLocalMidnight } from '../../calendar/local-time.js';
import type { CompiledRule } from '../../rules/compile.js';
import type { MeasureSpec } from '../../rules/spec.js';
import type { CallEvent } from '../event.js';
import type { Detector, HorizonOf, Observation } from './detector.js';
import { round2 } from '../../round.js';

type DailyTotalMeasure = Extract<MeasureSpec, { kind: 'dailyTotal' }>;
interface DayTotal {
  total: number;
  calls: number;
  /** Local midnight ending the day: the entry is dropped once the horizon passes it. */
  readonly endsAt: number;
}

/**
 * A key's running total of cost or billed minutes over the local calendar day (G3: an account's international
 * spend against its own usual spend by this hour). Calls without a cost are not counted by a cost total.
 */
export class DailyTotalDetector implements Detector {
  private readonly days = new Map<string, DayTotal>();
  private readonly of: DailyTotalMeasure['of'];
  /** The call counted last and its day (what `seen` explains). */
  private readonly last = { t: 0, seq: 0, date: '', zone: '', calls: 0 };
  /** Reused for every call, as the count rules do: valid until the next observe. */
  private readonly seen: Observation;

  constructor(readonly rule: CompiledRule) {
    this.of = (rule.measure as DailyTotalMeasure).of;
    const totalName = this.of === 'cost' ? 'costToday' : 'minutesToday';
    const last = this.last;
    this.seen = {
      value: 0,
      reachedAt: () => last.t,
      evidence: () => [last.seq],
      details: () => ({ date: last.date, timeZone: last.zone, [totalName]: round2(this.seen.value), callsToday: last.calls }),
    };
  }

  get keyCount(): number {
    return this.days.size;
  }

  observe(event: CallEvent, key: string): Observation | null {
    const amount = this.of === 'cost' ? event.cost : event.billSec / 60;
    if (amount === undefined) return null;
    const zone = event.profile.timeZone;
    const date = localTime(event.t, zone).date;
    const dayKey = `${key}\u0000${date}`;
    let day = this.days.get(dayKey);
    if (!day) this.days.set(dayKey, (day = { total: 0, calls: 0, endsAt: nextLocalMidnight(event.t, zone) }));
    day.total += amount;
    day.calls++;
    const last = this.last;
    last.t = event.t;
    last.seq = event.seq;
    last.date = date;
    last.zone = zone;
    last.calls = day.calls;
    this.seen.value = day.total;
    return this.seen;
  }

  trim(horizonOf: HorizonOf): void {
    // forEach, not for…of: the entries iterator allocates an array per key
    this.days.forEach((day, key, days) => {
      if (day.endsAt < horizonOf(key)) days.delete(key);
    });
  }
}
