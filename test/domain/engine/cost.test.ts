import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, blocksOf, harness, series } from './harness.js';

const CUBA = (i: number) => `+535${String(1_000_000 + i * 7919).slice(-7)}`;
const ERITREA = '+2917125055';
const profiles = { tenants: { acme: { international: { policy: 'allow' } } } };

describe('estimated cost and validity of a call (issue 16, F2 G4)', () => {
  it("uses the CDR's own cost and rate when it has one, else billed minutes × the rate table's price", () => {
    const h = harness({ only: [] });
    const own = h.process(h.call('2026-03-02T10:00:00-03:00', { callee: ERITREA, billSec: 60, cost: 1.2 })).event;
    assert.deepEqual([own?.cost, own?.ratePerMinute, own?.costEstimated], [1.2, 1.2, false]);
    const estimated = h.process(h.call('2026-03-02T10:05:00-03:00', { callee: ERITREA, billSec: 120 })).event;
    assert.deepEqual([estimated?.cost, estimated?.ratePerMinute, estimated?.costEstimated, estimated?.validity], [6, 3, true, 'valid']);
    const unanswered = h.process(h.call('2026-03-02T10:06:00-03:00', { callee: '+5511961234567', billSec: 0 })).event;
    assert.deepEqual([unanswered?.cost, unanswered?.ratePerMinute], [0, 0.23]);
  });

  it('prices numbers that cannot exist at the invalid default, so they count toward exposure', () => {
    const h = harness({ only: [] });
    const e = h.process(h.call('2026-03-02T10:00:00-03:00', { callee: '+552055551234', billSec: 60 })).event;
    assert.deepEqual([e?.validity, e?.ratePerMinute, e?.cost], ['unallocated', 6, 6]);
  });
});

describe('exposure windows per account (issue 16 cost exposure, F2 G3)', () => {
  const cuba = (h: ReturnType<typeof harness>, at: string, i: number, cost: number, account = 'sales') =>
    h.call(at, { account, caller: `+55113000100${i % 10}`, callee: CUBA(i), billSec: 600, cost });

  it('warns at R$ 150 and blocks the international calls of an account at R$ 300 ending within 5 minutes (cold start: the floors)', () => {
    const h = harness({ only: ['exposure-account-fast'], profiles });
    // six 10-minute calls to Cuba on six lines, ending a minute apart
    const verdicts = h.feed(...series('2026-03-02T10:00:00-03:00', 6, 60, (at, i) => cuba(h, at, i, 60)));
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.severity, a.details['value']]),
      [
        ['warn', 180],
        ['critical', 300],
      ],
    );
    const [block] = blocksOf(verdicts);
    assert.deepEqual(
      [block?.subject, block?.scope, (block?.expiresAt ?? 0) - (block?.startsAt ?? 0)],
      [{ kind: 'account', value: 'sales' }, 'international', 3_600_000],
    );
    assert.equal(alertsOf(verdicts)[1]?.details['baselineFrom'], 'none: no daily cost learned yet for this day class');
  });

  it('says how much of the exposure was estimated from the rate table', () => {
    const h = harness({ only: ['exposure-account-fast'], profiles });
    const verdicts = h.feed(
      ...series('2026-03-02T10:00:00-03:00', 4, 30, (at, i) => h.call(at, { caller: `+55113000100${i}`, callee: ERITREA, billSec: 3000 })),
    );
    const critical = alertsOf(verdicts).find((a) => a.severity === 'critical');
    assert.equal(critical?.details['estimatedCost'], critical?.details['cost']);
    assert.ok(Number(critical?.details['cost']) >= 300);
  });

  it("scales with the account's learned daily cost: an hour that is ordinary for a big spender is an alarm for a fresh account", () => {
    const h = harness({ only: ['exposure-account-slow'], profiles });
    // Monday: R$ 1,200 over the working day, one R$ 60 call every 25 minutes (never R$ 400 within an hour)
    const monday = h.feed(...series('2026-03-02T08:00:00-03:00', 20, 25 * 60, (at, i) => cuba(h, at, i, 60, 'export')));
    assert.deepEqual(alertsOf(monday), []);
    // Tuesday: R$ 900 within an hour, on both accounts
    const burst = (account: string) => series('2026-03-03T10:00:00-03:00', 9, 300, (at, i) => cuba(h, at, i, 100, account));
    const fresh = h.feed(...burst('fresh'));
    assert.deepEqual(
      alertsOf(fresh).map((a) => a.severity),
      ['warn', 'critical'],
    );
    assert.equal(blocksOf(fresh)[0]?.scope, 'international');
    const learned = h.feed(...burst('export'));
    assert.deepEqual(learned, []);
    // a Sunday is judged by the closed days it learned (none yet): the floors
    const sunday = h.feed(...series('2026-03-08T10:00:00-03:00', 9, 300, (at, i) => cuba(h, at, i, 100, 'export')));
    assert.equal(alertsOf(sunday).at(-1)?.details['baselineFrom'], 'none: no daily cost learned yet for this day class');
  });

  it('never learns a day that went critical: the next day keeps the floors', () => {
    const h = harness({ only: ['exposure-account-slow'], profiles });
    const attack = h.feed(...series('2026-03-02T10:00:00-03:00', 12, 200, (at, i) => cuba(h, at, i, 100)));
    assert.ok(blocksOf(attack).length > 0);
    const next = h.feed(...series('2026-03-03T10:00:00-03:00', 9, 300, (at, i) => cuba(h, at, i, 100)));
    assert.equal(alertsOf(next).find((a) => a.severity === 'critical')?.details['threshold'], 800);
  });

  it("adds a tenant's accounts per destination country and alerts on the country, never blocking it", () => {
    const h = harness({ only: ['exposure-country'], profiles });
    const verdicts = h.feed(...series('2026-03-02T10:00:00-03:00', 16, 200, (at, i) => cuba(h, at, i, 100, `branch-${i % 4}`)));
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.severity, a.subject.kind, a.subject.value, a.details['value']]),
      [
        ['warn', 'destCountry', 'CU', 500],
        ['critical', 'destCountry', 'CU', 1500],
      ],
    );
    assert.deepEqual(blocksOf(verdicts), []);
  });
});
