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
  constructor(readonly rule: CompiledRule) {
    this.of = (rule.measure as DailyTotalMeasure).of;
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
    const total = day.total;
    const calls = day.calls;
    return {
      value: total,
      reachedAt: () => event.t,
      evidence: () => [event.seq],
      details: () => ({ date, timeZone: zone, [this.of === 'cost' ? 'costToday' : 'minutesToday']: round2(total), callsToday: calls }),
    };
  }

  trim(horizonOf: HorizonOf): void {
    // forEach, not for…of: the entries iterator allocates an array per key
    this.days.forEach((day, key, days) => {
      if (day.endsAt < horizonOf(key)) days.delete(key);
    });
  }
}
