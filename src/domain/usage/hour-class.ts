import { isBusinessDay, type BusinessCalendar } from '../calendar/business.js';
import { localTime } from '../calendar/local-time.js';

/** Where an instant falls in a usage profile: the local day, business or closed, and the local hour. */
export interface HourClass {
  /** Local day number (days since 1970-01-01 of the local date): a new number starts a new learning day. */
  readonly day: number;
  /** 0 a business day, 1 a closed day (weekend, holiday, the tenant's closed dates): they are learned apart. */
  readonly dayClass: 0 | 1;
  /** Local hour 0-23. */
  readonly hour: number;
}

/** Day class × local hour: 48 buckets. BR holidays behave like Sundays, so a holiday is a closed day, not a Tuesday. */
export const BUCKETS = 48;
export const bucketOf = (c: HourClass): number => c.dayClass * 24 + c.hour;

const dayNumber = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);

/** Memoised per calendar and local hour: events come nearly in time order, so one lookup serves an hour of them. */
const memo = new WeakMap<BusinessCalendar, { from: number; to: number; value: HourClass }>();

export function hourClass(cal: BusinessCalendar, t: number): HourClass {
  const hit = memo.get(cal);
  if (hit && t >= hit.from && t < hit.to) return hit.value;
  const local = localTime(t, cal.timeZone);
  const hour = Math.floor(local.minuteOfDay / 60);
  const value: HourClass = { day: dayNumber(local.date), dayClass: isBusinessDay(cal, local.date, local.weekday) ? 0 : 1, hour };
  // the local hour containing t, as an instant range (a quarter-hour time zone still starts hours on the minute)
  const minuteStart = t - (t % 60_000);
  const from = minuteStart - (local.minuteOfDay % 60) * 60_000;
  memo.set(cal, { from, to: from + 3_600_000, value });
  return value;
}
