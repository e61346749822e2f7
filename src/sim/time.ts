import { tzOffset } from '@date-fns/tz';
import { brazilianHolidays } from '../domain/calendar/brazil-holidays.js';
import { addLocalDays, localInstant } from '../domain/calendar/local-time.js';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const SECOND = 1000;

/** business: Mon-Fri, not a holiday · holiday: national holiday (Carnival and Corpus Christi included, as the profiles close them). */
export type DayType = 'business' | 'saturday' | 'sunday' | 'holiday';

export interface SimDay {
  readonly index: number;
  /** Local date, YYYY-MM-DD. */
  readonly date: string;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  readonly type: DayType;
  readonly holiday?: string;
  /** Local midnight starting the day (epoch ms). */
  readonly start: number;
}

export function simDays(startDate: string, days: number, timeZone: string): SimDay[] {
  const out: SimDay[] = [];
  const holidays = new Map<string, string>();
  const years = new Set<number>();
  for (let i = 0; i < days; i++) {
    const date = addLocalDays(startDate, i);
    const year = Number(date.slice(0, 4));
    if (!years.has(year)) {
      years.add(year);
      for (const h of brazilianHolidays(year)) holidays.set(h.date, h.name);
    }
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    const holiday = holidays.get(date);
    const type: DayType = holiday !== undefined ? 'holiday' : weekday === 0 ? 'sunday' : weekday === 6 ? 'saturday' : 'business';
    out.push({ index: i, date, weekday, type, ...(holiday !== undefined ? { holiday } : {}), start: localInstant(date, 0, timeZone) });
  }
  return out;
}

/** The instant `hours` (fractional) after the day's local midnight, to the whole second (CDR times have no fraction). */
export function at(day: SimDay, hours: number): number {
  return day.start + Math.round(hours * 3600) * SECOND;
}

/** Local hour of day (fractional) of `t` within `day`. */
export function hourOf(day: SimDay, t: number): number {
  return (t - day.start) / HOUR;
}

/**
 * ISO-8601 with the zone's offset (`2026-04-16T10:00:00-03:00`), as a PBX in Brazil writes it. The offset is
 * looked up once per hour: formatting hundreds of thousands of instants through date-fns would dominate the run.
 */
export class LocalIso {
  private readonly offsets = new Map<number, number>();
  constructor(private readonly timeZone: string) {}

  format(t: number): string {
    const hour = Math.floor(t / HOUR);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      offset = tzOffset(this.timeZone, new Date(hour * HOUR));
      this.offsets.set(hour, offset);
    }
    const local = new Date(t + offset * MINUTE).toISOString().slice(0, 19);
    const abs = Math.abs(offset);
    const sign = offset < 0 ? '-' : '+';
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }
}
