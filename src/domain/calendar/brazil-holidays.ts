/**
 * Brazilian national holidays for a year, as local calendar dates (`YYYY-MM-DD`), for the off-hours rule (G5).
 * Pure: no clock, no time zone (a holiday is a local date; rules map instants to local dates with @date-fns/tz).
 *
 * Fixed national holidays (Lei 662/1949, 6.802/1980, 10.607/2002, 14.759/2023 for 20 November from 2024).
 * Movable ones follow Easter: Carnival Monday and Tuesday (Easter - 48/47 days) and Corpus Christi (+60) are
 * "pontos facultativos" nationally but closed days for nearly every business, so they are included and
 * flagged; Good Friday (Paixão de Cristo, -2) is a national holiday.
 */
export interface Holiday {
  readonly date: string;
  readonly name: string;
  /** True for pontos facultativos (Carnival, Corpus Christi): tenants may treat them as business days. */
  readonly optional: boolean;
}

const FIXED: readonly (readonly [month: number, day: number, name: string, fromYear?: number])[] = [
  [1, 1, 'Confraternização Universal'],
  [4, 21, 'Tiradentes'],
  [5, 1, 'Dia do Trabalho'],
  [9, 7, 'Independência do Brasil'],
  [10, 12, 'Nossa Senhora Aparecida'],
  [11, 2, 'Finados'],
  [11, 15, 'Proclamação da República'],
  [11, 20, 'Dia Nacional de Zumbi e da Consciência Negra', 2024],
  [12, 25, 'Natal'],
];

const MOVABLE: readonly (readonly [daysFromEaster: number, name: string, optional: boolean])[] = [
  [-48, 'Carnaval (segunda-feira)', true],
  [-47, 'Carnaval (terça-feira)', true],
  [-2, 'Sexta-feira da Paixão', false],
  [60, 'Corpus Christi', true],
];

/** Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher) as [month, day]. */
export function easterSunday(year: number): [month: number, day: number] {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

/**
 * The national holidays of `year`, sorted by date, one entry per date: when two fall on the same day (Good Friday
 * on Tiradentes, 21 April 2000), they merge and the day is optional only if both are.
 */
export function brazilianHolidays(year: number): Holiday[] {
  const [easterMonth, easterDay] = easterSunday(year);
  const easter = Date.UTC(year, easterMonth - 1, easterDay);
  const holidays: Holiday[] = [
    ...FIXED.filter(([, , , from]) => from === undefined || year >= from).map(([month, day, name]) => ({
      date: isoDate(Date.UTC(year, month - 1, day)),
      name,
      optional: false,
    })),
    ...MOVABLE.map(([offset, name, optional]) => ({ date: isoDate(easter + offset * 86_400_000), name, optional })),
  ];
  const byDate = new Map<string, Holiday>();
  for (const holiday of holidays) {
    const same = byDate.get(holiday.date);
    byDate.set(holiday.date, same ? { date: holiday.date, name: `${same.name} / ${holiday.name}`, optional: same.optional && holiday.optional } : holiday);
  }
  return [...byDate.values()].sort((x, y) => x.date.localeCompare(y.date));
}

/** `YYYY-MM-DD` of a UTC-midnight timestamp (calendar arithmetic only; never a wall-clock instant). */
function isoDate(utcMidnight: number): string {
  return new Date(utcMidnight).toISOString().slice(0, 10);
}
