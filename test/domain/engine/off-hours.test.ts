import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, blocksOf, harness, series } from './harness.js';

const LISBON = '+351213000000';
const profiles = { tenants: { acme: { international: { policy: 'allow' }, calendar: { closedDates: ['2026-03-19'] } } } };

describe('off-hours traffic (G5): business calendar with Brazilian holidays', () => {
  const offHoursAlerts = (at: string, callee = LISBON) => {
    const h = harness({ only: ['off-hours-call'], profiles });
    return alertsOf(h.feed(h.call(at, { callee })));
  };

  it('alerts on an international call at night, at the weekend and on national holidays', () => {
    for (const at of [
      '2026-03-02T19:30:00-03:00', // Monday evening
      '2026-03-02T07:59:00-03:00', // before opening
      '2026-03-07T11:00:00-03:00', // Saturday
      '2026-02-16T11:00:00-03:00', // Carnival Monday (Easter-based)
      '2026-04-03T11:00:00-03:00', // Good Friday
      '2026-06-04T11:00:00-03:00', // Corpus Christi
      '2026-11-20T11:00:00-03:00', // Consciência Negra (national from 2024)
      '2026-03-19T11:00:00-03:00', // the tenant's own closed date
    ]) {
      assert.equal(offHoursAlerts(at).length, 1, at);
    }
  });

  it('stays quiet inside business hours and for national calls off-hours', () => {
    assert.deepEqual(offHoursAlerts('2026-03-02T08:00:00-03:00'), []);
    assert.deepEqual(offHoursAlerts('2026-03-02T17:59:59-03:00'), []);
    assert.deepEqual(offHoursAlerts('2026-03-02T22:00:00-03:00', '02130001000'), []);
  });

  it("reads business hours in the tenant's own time zone when it inherits the default calendar", () => {
    const manaus = { tenants: { acme: { timeZone: 'America/Manaus', international: { policy: 'allow' } } } };
    const h = harness({ only: ['off-hours-call'], profiles: manaus });
    // 07:30 in Manaus is 08:30 in São Paulo: closed in Manaus
    assert.equal(alertsOf(h.feed(h.call('2026-03-02T07:30:00-04:00', { callee: LISBON }))).length, 1);
    assert.deepEqual(h.feed(h.call('2026-03-02T08:30:00-04:00', { callee: LISBON })), []);
  });

  it('alerts on premium-rate calls off-hours even when national (0900)', () => {
    assert.equal(offHoursAlerts('2026-03-02T22:00:00-03:00', '09001234567').length, 1);
  });

  it("blocks the account's international calls until the next business hour after more than 3 in an hour", () => {
    const h = harness({ only: ['off-hours-international'], profiles });
    // Thursday 2 April 2026, 22:00: Good Friday follows, then the weekend; Monday 6 April 08:00 opens
    const verdicts = h.feed(...series('2026-04-02T22:00:00-03:00', 4, 600, (at) => h.call(at, { callee: LISBON })));
    const [block] = blocksOf(verdicts);
    assert.equal(block?.scope, 'international');
    assert.equal(new Date(block?.expiresAt ?? 0).toISOString(), '2026-04-06T11:00:00.000Z');
    assert.equal(alertsOf(verdicts)[0]?.details['value'], 4);
  });

  it('does not block at 3 calls', () => {
    const h = harness({ only: ['off-hours-international'], profiles });
    assert.deepEqual(h.feed(...series('2026-03-02T22:00:00-03:00', 3, 600, (at) => h.call(at, { callee: LISBON }))), []);
  });
});
