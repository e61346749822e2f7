import { TZDate } from '@date-fns/tz';
import { addDays, addMonths, startOfDay, startOfMonth } from 'date-fns';

/** Whether the runtime knows `zone` as an IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock facts of an instant in a time zone. */
export interface LocalTime {
  /** `YYYY-MM-DD` in the zone. */
  readonly date: string;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  /** Minutes since local midnight (0-1439). */
  readonly minuteOfDay: number;
}

/** Every real zone changes offset on a quarter-hour UTC instant, so one lookup serves a whole quarter hour. */
const BUCKET_MS = 15 * 60_000;
const MAX_CACHED = 20_000;
const cache = new Map<string, LocalTime>();
/** The bucket read last: events come nearly in time order, so most calls skip building the cache key. */
let last = { timeZone: '', bucket: NaN, base: undefined as LocalTime | undefined };

/** Local date, weekday and minute of day of `t` (epoch ms) in `timeZone`; DST-safe through @date-fns/tz. */
export function localTime(t: number, timeZone: string): LocalTime {
  const bucket = Math.floor(t / BUCKET_MS) * BUCKET_MS;
  let base = bucket === last.bucket && timeZone === last.timeZone ? last.base : undefined;
  if (!base) {
    const cacheKey = `${timeZone}|${bucket}`;
    base = cache.get(cacheKey);
    if (!base) {
      const d = new TZDate(bucket, timeZone);
      base = { date: isoDate(d), weekday: d.getDay(), minuteOfDay: d.getHours() * 60 + d.getMinutes() };
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(cacheKey, base);
    }
    last = { timeZone, bucket, base };
  }
  const minuteOfDay = base.minuteOfDay + Math.floor((t - bucket) / 60_000);
  return { date: base.date, weekday: base.weekday, minuteOfDay };
}

/** Per time zone, the local day read last as [start, next midnight): a day's calls share one TZDate computation. */
const days = new Map<string, { readonly from: number; readonly to: number }>();

/** The instant of the next local midnight after `t` (the start of the next local day), DST-safe. */
export function nextLocalMidnight(t: number, timeZone: string): number {
  const day = days.get(timeZone);
  if (day && t >= day.from && t < day.to) return day.to;
  const local = new TZDate(t, timeZone);
  const to = startOfDay(addDays(local, 1)).getTime();
  if (days.size >= MAX_CACHED) days.clear();
  days.set(timeZone, { from: startOfDay(local).getTime(), to });
  return to;
}

/** The instant the next local month starts after `t` (its 1st, local midnight), DST-safe. */
export function nextLocalMonthStart(t: number, timeZone: string): number {
  return startOfMonth(addMonths(new TZDate(t, timeZone), 1)).getTime();
}

/** The instant of `minuteOfDay` on the local `date` (YYYY-MM-DD) in `timeZone`. */
export function localInstant(date: string, minuteOfDay: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new TZDate(y, m - 1, d, Math.floor(minuteOfDay / 60), minuteOfDay % 60, timeZone).getTime();
}

/** The local date `days` after `date` (YYYY-MM-DD), by calendar arithmetic. */
export function addLocalDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function isoDate(d: Date): string {
  const mm = String(d.getMonth() + 1).padStart(2, '0');
  const dd = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${mm}-${dd}`;
}
