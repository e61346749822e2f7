import { brazilianHolidays } from './brazil-holidays.js';
import { addLocalDays, localInstant, localTime } from './local-time.js';

/** A tenant's business calendar in runtime form (G5). */
export interface BusinessCalendar {
  readonly timeZone: string;
  /** Open weekdays, 0 = Sunday. */
  readonly days: ReadonlySet<number>;
  /** Opening ranges in minutes of the local day, [start, end), sorted. */
  readonly ranges: readonly (readonly [number, number])[];
  readonly brazilianHolidays: boolean;
  readonly optionalHolidays: boolean;
  readonly closedDates: ReadonlySet<string>;
}

export interface CalendarInput {
  readonly days: readonly ('sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat')[];
  readonly hours: readonly string[];
  readonly brazilianHolidays: boolean;
  readonly optionalHolidays: boolean;
  readonly closedDates: readonly string[];
}

const WEEKDAY_INDEX = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } as const;

export function compileCalendar(input: CalendarInput, timeZone: string): BusinessCalendar {
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const ranges = input.hours.map((r) => [minutes(r.slice(0, 5)), minutes(r.slice(6, 11))] as const).sort((a, b) => a[0] - b[0]);
  return {
    timeZone,
    days: new Set(input.days.map((d) => WEEKDAY_INDEX[d])),
    ranges,
    brazilianHolidays: input.brazilianHolidays,
    optionalHolidays: input.optionalHolidays,
    closedDates: new Set(input.closedDates),
  };
}

const holidayCache = new Map<number, { all: Set<string>; mandatory: Set<string> }>();
function holidaysOf(year: number) {
  let entry = holidayCache.get(year);
  if (!entry) {
    const list = brazilianHolidays(year);
    entry = { all: new Set(list.map((h) => h.date)), mandatory: new Set(list.filter((h) => !h.optional).map((h) => h.date)) };
    holidayCache.set(year, entry);
  }
  return entry;
}

/** Whether the local `date` is a working day of the calendar (weekday open, not a holiday, not closed). */
export function isBusinessDay(cal: BusinessCalendar, date: string, weekday: number): boolean {
  if (!cal.days.has(weekday) || cal.closedDates.has(date)) return false;
  if (!cal.brazilianHolidays) return true;
  const h = holidaysOf(Number(date.slice(0, 4)));
  return !(cal.optionalHolidays ? h.all : h.mandatory).has(date);
}

/**
 * Recent answers by minute, one slot per minute modulo 64: CDRs arrive by call end, so their start minutes spread
 * over the last minutes (a one-entry memo missed on most calls).
 */
const MEMO_SLOTS = 64;
const memoCalendars: (BusinessCalendar | undefined)[] = new Array<BusinessCalendar | undefined>(MEMO_SLOTS);
const memoMinutes: number[] = new Array<number>(MEMO_SLOTS).fill(NaN);
const memoAnswers: boolean[] = new Array<boolean>(MEMO_SLOTS).fill(false);

/** Whether `t` falls in the calendar's business hours (the answer holds for the whole UTC minute: zones shift by minutes). */
export function isBusinessTime(cal: BusinessCalendar, t: number): boolean {
  const minute = Math.floor(t / 60_000);
  const slot = minute & (MEMO_SLOTS - 1);
  if (memoCalendars[slot] === cal && memoMinutes[slot] === minute) return memoAnswers[slot] as boolean;
  const answer = businessAt(cal, t);
  memoCalendars[slot] = cal;
  memoMinutes[slot] = minute;
  memoAnswers[slot] = answer;
  return answer;
}

function businessAt(cal: BusinessCalendar, t: number): boolean {
  const local = localTime(t, cal.timeZone);
  if (!isBusinessDay(cal, local.date, local.weekday)) return false;
  return cal.ranges.some(([start, end]) => local.minuteOfDay >= start && local.minuteOfDay < end);
}

/** The first instant at or after `t` inside business hours; `t` itself when already inside. */
export function nextBusinessStart(cal: BusinessCalendar, t: number): number {
  if (isBusinessTime(cal, t)) return t;
  const local = localTime(t, cal.timeZone);
  for (let offset = 0; offset <= 366; offset++) {
    const date = addLocalDays(local.date, offset);
    const weekday = (local.weekday + offset) % 7;
    if (!isBusinessDay(cal, date, weekday)) continue;
    for (const [start] of cal.ranges) {
      if (offset === 0 && start <= local.minuteOfDay) continue;
      return localInstant(date, start, cal.timeZone);
    }
  }
  // a calendar without any business day in a year: treat as one day, so a block still ends
  return t + 86_400_000;
}
