import { localTime, nextLocalMidnight } from '../../calendar/local-time.js';
import type { CompiledRule } from '../../rules/compile.js';
import type { CallEvent } from '../event.js';
import type { Detector, HorizonOf, Observation } from './detector.js';
import { round2 } from '../../round.js';

interface DayUsage {
  billSec: number;
  cost: number;
  /** Local midnight ending the day: the entry is dropped once the horizon passes it. */
  readonly endsAt: number;
}

/**
 * International usage per key and local calendar day (F2, EV13), in the profile's time zone: billed minutes
 * and/or cost against the profile's daily quota. The measure is the percentage used of the tighter limit.
 */
export class DailyQuotaDetector implements Detector {
  private readonly days = new Map<string, DayUsage>();
  constructor(readonly rule: CompiledRule) {}

  get keyCount(): number {
    return this.days.size;
  }

  observe(event: CallEvent, key: string): Observation | null {
    const quota = event.profile.international.policy === 'quota' ? event.profile.international.quota : undefined;
    if (!quota) return null;
    const zone = event.profile.timeZone;
    const date = localTime(event.t, zone).date;
    const dayKey = `${key}\u0000${date}`;
    let usage = this.days.get(dayKey);
    if (!usage) this.days.set(dayKey, (usage = { billSec: 0, cost: 0, endsAt: nextLocalMidnight(event.t, zone) }));
    usage.billSec += event.billSec;
    usage.cost += event.cost ?? 0;
    const minutes = usage.billSec / 60;
    const percent = Math.max(quota.minutes === undefined ? 0 : (minutes / quota.minutes) * 100, quota.cost === undefined ? 0 : (usage.cost / quota.cost) * 100);
    const cost = usage.cost;
    const details = () => {
      const d: Record<string, string | number> = { date, timeZone: zone, percentUsed: round2(percent) };
      if (quota.minutes !== undefined) Object.assign(d, { minutesUsed: round2(minutes), minutesQuota: quota.minutes });
      if (quota.cost !== undefined) Object.assign(d, { costUsed: round2(cost), costQuota: quota.cost });
      return d;
    };
    return { value: percent, reachedAt: () => event.t, evidence: () => [event.seq], details };
  }

  trim(horizonOf: HorizonOf): void {
    // forEach, not for…of: the entries iterator allocates an array per key
    this.days.forEach((usage, key, days) => {
      if (usage.endsAt < horizonOf(key)) days.delete(key);
    });
  }
}
