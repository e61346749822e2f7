import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { brazilianHolidays, easterSunday } from '../../../src/domain/calendar/brazil-holidays.js';

/** Off-hours rule calendar (REQUIREMENTS G5): Brazilian national holidays, movable ones included. */
describe('Brazilian national holidays (G5)', () => {
  it('computes Easter for known years (published dates)', () => {
    const known: [number, [number, number]][] = [
      [2000, [4, 23]],
      [2008, [3, 23]],
      [2011, [4, 24]],
      [2019, [4, 21]],
      [2024, [3, 31]],
      [2025, [4, 20]],
      [2026, [4, 5]],
      [2027, [3, 28]],
      [2038, [4, 25]],
      [2285, [3, 22]],
    ];
    for (const [year, date] of known) assert.deepEqual(easterSunday(year), date, String(year));
  });

  it('Easter is always a Sunday between 22 March and 25 April (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 4099 }), (year) => {
        const [month, day] = easterSunday(year);
        const date = new Date(Date.UTC(year, month - 1, day));
        assert.equal(date.getUTCDay(), 0);
        const mmdd = month * 100 + day;
        assert.ok(mmdd >= 322 && mmdd <= 425, `${year}: ${mmdd}`);
      }),
    );
  });

  it('lists the 2026 holidays: Carnival 16-17 Feb, Good Friday 3 Apr, Corpus Christi 4 Jun', () => {
    const byDate = new Map(brazilianHolidays(2026).map((h) => [h.date, h]));
    assert.equal(byDate.get('2026-02-16')?.name, 'Carnaval (segunda-feira)');
    assert.equal(byDate.get('2026-02-17')?.optional, true);
    assert.equal(byDate.get('2026-04-03')?.name, 'Sexta-feira da Paixão');
    assert.equal(byDate.get('2026-04-03')?.optional, false);
    assert.equal(byDate.get('2026-06-04')?.name, 'Corpus Christi');
    assert.equal(byDate.get('2026-04-21')?.name, 'Tiradentes');
    assert.equal(byDate.get('2026-11-20')?.optional, false);
    assert.equal(byDate.size, 13);
  });

  it('2025: Carnival 3-4 Mar, Good Friday 18 Apr, Corpus Christi 19 Jun', () => {
    const dates = brazilianHolidays(2025).map((h) => h.date);
    for (const d of ['2025-03-03', '2025-03-04', '2025-04-18', '2025-06-19']) assert.ok(dates.includes(d), d);
  });

  it('20 November is national only from 2024 (Lei 14.759/2023)', () => {
    assert.equal(
      brazilianHolidays(2023).some((h) => h.date === '2023-11-20'),
      false,
    );
    assert.equal(
      brazilianHolidays(2024).some((h) => h.date === '2024-11-20'),
      true,
    );
  });

  it('merges holidays that fall on the same day (Good Friday on Tiradentes, 2000)', () => {
    const april21 = brazilianHolidays(2000).filter((h) => h.date === '2000-04-21');
    assert.deepEqual(april21, [{ date: '2000-04-21', name: 'Tiradentes / Sexta-feira da Paixão', optional: false }]);
  });

  it('returns sorted, distinct dates of the requested year (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1950, max: 2200 }), (year) => {
        const dates = brazilianHolidays(year).map((h) => h.date);
        assert.deepEqual([...dates].sort(), dates);
        assert.equal(new Set(dates).size, dates.length);
        for (const d of dates) assert.ok(d.startsWith(`${year}-`), d);
      }),
      { numRuns: 251, examples: [[2000], [2079]] },
    );
  });
});
