import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileCalendar } from '../../../src/domain/calendar/business.js';
import { hourClass } from '../../../src/domain/usage/hour-class.js';
import { Levels, type LevelsSnapshot } from '../../../src/domain/usage/levels.js';
import { Members, MAX_MEMBERS, ESTABLISHED_AFTER_MS } from '../../../src/domain/usage/sites.js';

const calendar = compileCalendar(
  { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: ['08:00-18:00'], brazilianHolidays: true, optionalHolidays: true, closedDates: [] },
  'America/Sao_Paulo',
);
const at = (iso: string) => hourClass(calendar, Date.parse(iso));

describe('G3 learned levels: per day class and local hour, from earlier days only', () => {
  it('knows nothing on the first day, then the peak around the hour (one hour either side) of the same day class', () => {
    const l = new Levels();
    l.learn(at('2026-04-16T10:20:00-03:00'), 7); // Thursday, business day
    l.learn(at('2026-04-16T10:40:00-03:00'), 4);
    assert.equal(l.peak(at('2026-04-16T10:50:00-03:00')), undefined, 'today does not teach today (a burst cannot raise its own threshold)');
    const friday = l.peak(at('2026-04-17T11:05:00-03:00'));
    assert.equal(friday, 7, '10h is within one hour of 11h');
    assert.equal(l.peak(at('2026-04-17T15:00:00-03:00')), 0, 'a known day class with no calls at 15h: nothing usual there');
    assert.equal(l.peak(at('2026-04-18T10:00:00-03:00')), undefined, 'Saturday is a closed day: not learned yet');
  });

  it('treats a national holiday as a closed day (Tiradentes, Tuesday 2026-04-21)', () => {
    assert.equal(at('2026-04-21T10:00:00-03:00').dayClass, 1);
    assert.equal(at('2026-04-20T10:00:00-03:00').dayClass, 0);
    assert.equal(at('2026-04-19T23:30:00-03:00').hour, 23);
  });

  it('lets an old peak fade (about half after a week of quieter days)', () => {
    const l = new Levels();
    l.learn(at('2026-03-02T10:00:00-03:00'), 10);
    for (let d = 3; d <= 9; d++) l.learn(at(`2026-03-0${d}T10:00:00-03:00`), 1);
    const peak = l.peak(at('2026-03-10T10:00:00-03:00')) ?? 0;
    assert.ok(peak > 4 && peak < 6, `peak ${peak}`);
  });

  it('ignores a late value of a day already learned', () => {
    const l = new Levels();
    l.learn(at('2026-03-03T10:00:00-03:00'), 2);
    l.learn(at('2026-03-02T10:00:00-03:00'), 50);
    assert.equal(l.peak(at('2026-03-04T10:00:00-03:00')), 2);
  });

  it('property: a learned peak never exceeds the largest value taught, and survives a snapshot unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 14 * 24 * 60 }), fc.float({ min: 0, max: 1000, noNaN: true })), { maxLength: 200 }), (points) => {
        const l = new Levels();
        const base = Date.parse('2026-03-02T00:00:00-03:00');
        const sorted = [...points].sort((a, b) => a[0] - b[0]);
        for (const [minute, v] of sorted) l.learn(hourClass(calendar, base + minute * 60_000), v);
        const probe = hourClass(calendar, base + 15 * 86_400_000 + 10 * 3_600_000);
        const max = Math.max(0, ...sorted.map(([, v]) => Math.fround(v)));
        const peak = l.peak(probe) ?? 0;
        assert.ok(peak <= max + 1e-6);
        assert.deepEqual(Levels.from(JSON.parse(JSON.stringify(l.toJSON())) as LevelsSnapshot).peak(probe), l.peak(probe));
      }),
    );
  });
});

describe('G3 site members: the callers behind a NAT address', () => {
  it('counts a member as established a minute after it was first seen', () => {
    const m = new Members();
    const t0 = Date.parse('2026-03-02T10:00:00-03:00');
    for (let i = 0; i < 5; i++) m.see(i, t0 + i * 1000);
    assert.equal(m.established(t0 + 30_000), 0);
    assert.equal(m.established(t0 + ESTABLISHED_AFTER_MS + 2000), 3);
    assert.equal(m.see(3, t0 + 90_000), false, 'seen before: not new');
    assert.equal(m.see(99, t0 + 90_000), true);
  });

  it('property: memory is bounded by MAX_MEMBERS however many callers appear', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * MAX_MEMBERS }), (n) => {
        const m = new Members();
        for (let i = 0; i < n; i++) m.see(i, i);
        assert.ok(m.size <= MAX_MEMBERS);
        assert.equal(m.size, Math.min(n, MAX_MEMBERS));
      }),
      { numRuns: 20 },
    );
  });
});
