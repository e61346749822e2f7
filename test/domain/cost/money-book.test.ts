import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MoneyBook, monthOfDay, type MoneyRow } from '../../../src/domain/cost/money-book.js';
import type { CallEvent } from '../../../src/domain/engine/event.js';
import type { HourClass } from '../../../src/domain/usage/hour-class.js';
import { pinned } from '../../rig/property.js';

const DAY = 20_514; // 2026-03-02, a Monday
const at = (day: number, dayClass: 0 | 1 = 0): HourClass => ({ day, dayClass, hour: 10 });
const call = (cost: number, t = 0) => ({ cost, t }) as unknown as CallEvent;

describe('money book: outbound cost per account, local day and month, and the usual daily cost', () => {
  it('learns a finished day at the next one, per day class, fading 10 % a learning day', () => {
    const book = new MoneyBook();
    book.observe('acme\u0000a', call(30), at(DAY), true);
    const m = book.observe('acme\u0000a', call(70), at(DAY), true);
    assert.equal(book.typical(m, 0), undefined);
    book.observe('acme\u0000a', call(10), at(DAY + 1), true);
    assert.equal(book.typical(m, 0), 100);
    assert.equal(book.typical(m, 1), undefined);
    book.observe('acme\u0000a', call(5), at(DAY + 5, 1), true);
    assert.ok(Math.abs((book.typical(m, 0) as number) - 90) < 1e-9); // max(10, 100 × 0.9)
    assert.equal(m.dayTotal, 5);
    assert.equal(m.monthTotal, 115);
  });

  it('never learns a spoiled day, and does not count what a restored snapshot already counted', () => {
    const book = new MoneyBook();
    const m = book.observe('acme\u0000a', call(500), at(DAY), true);
    m.spoiledDay = DAY;
    book.observe('acme\u0000a', call(999), at(DAY), false);
    assert.equal(m.dayTotal, 500);
    book.observe('acme\u0000a', call(1), at(DAY + 1), true);
    assert.equal(book.typical(m, 0), undefined);
  });

  it('property: rows restore the same state, for the tenant only', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            day: fc.integer({ min: 0, max: 40 }),
            cost: fc.integer({ min: 0, max: 500 }),
            account: fc.integer({ min: 0, max: 3 }),
            tenant: fc.constantFrom('acme', 'beta'),
          }),
          { maxLength: 60 },
        ),
        (calls) => {
          const book = new MoneyBook();
          calls.sort((a, b) => a.day - b.day);
          for (const c of calls) book.observe(`${c.tenant}\u0000${c.account}`, call(c.cost, c.day * 86_400_000), at(DAY + c.day, c.day % 7 > 4 ? 1 : 0), true);
          const copy = new MoneyBook();
          copy.restore('acme', JSON.parse(JSON.stringify(book.rows('acme'))) as MoneyRow[]);
          copy.restore('acme', [...book.rows('acme'), ...book.rows('beta')]);
          assert.deepEqual(copy.rows('acme'), book.rows('acme'));
          assert.deepEqual(copy.rows('beta'), []);
        },
      ),
      pinned({ numRuns: 200, seed: 16 }),
    );
  });

  it('knows the local month of a local day', () => {
    assert.equal(monthOfDay(DAY), 2026 * 12 + 2);
    assert.equal(monthOfDay(DAY - 1), 2026 * 12 + 2); // 1 March
    assert.equal(monthOfDay(DAY - 2), 2026 * 12 + 1); // 28 February
  });
});
