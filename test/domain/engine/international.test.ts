import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, blocksOf, harness, series } from './harness.js';

const profiles = {
  tenants: {
    acme: {
      international: { policy: 'deny' },
      accounts: {
        export: { international: { policy: 'allow', countries: ['PT', 'US'] } },
        travel: { international: { policy: 'quota', countries: ['PT', 'US', 'AR'], quota: { minutes: 60, cost: 100 } } },
      },
    },
  },
};
const LISBON = '+351213000000';
const LONDON = '+442079460000';

describe('international policy (F1, F3, EV13)', () => {
  it('warns on an international call from a profile that denies them (F1 default)', () => {
    const h = harness({ only: ['international-out-of-profile'], profiles });
    const [alert] = alertsOf(h.feed(h.call('2026-03-02T10:00:00-03:00', { callee: LISBON })));
    assert.equal(alert?.severity, 'warn');
    assert.deepEqual(alert?.subject, { kind: 'account', value: 'sales' });
  });

  it('accepts calls to allow-listed countries and flags others (F3)', () => {
    const h = harness({ only: ['international-out-of-profile'], profiles });
    assert.deepEqual(h.feed(h.call('2026-03-02T10:00:00-03:00', { account: 'export', callee: LISBON })), []);
    const [alert] = alertsOf(h.feed(h.call('2026-03-02T10:01:00-03:00', { account: 'export', callee: LONDON })));
    assert.equal(alert?.details['value'], 1);
  });

  it('blocks the account for 5 min at 5 out-of-profile calls within 60 s (EV13)', () => {
    const h = harness({ only: ['international-out-of-profile'], profiles });
    const verdicts = h.feed(...series('2026-03-02T10:00:00-03:00', 5, 10, (at) => h.call(at, { callee: LONDON })));
    assert.deepEqual(
      alertsOf(verdicts).map((a) => a.severity),
      ['warn', 'critical'],
    );
    assert.deepEqual(
      blocksOf(verdicts).map((b) => [b.subject.value, b.expiresAt - b.startsAt]),
      [['sales', 300_000]],
    );
  });

  it('never counts national calls', () => {
    const h = harness({ only: ['international-out-of-profile'], profiles });
    assert.deepEqual(h.feed(...series('2026-03-02T10:00:00-03:00', 6, 5, (at) => h.call(at, { callee: '02130001000' }))), []);
  });
});

describe('daily international quota (F2): billed minutes and cost per local day in America/Sao_Paulo', () => {
  it('warns at 80 %, blocks international calls at 100 % until local midnight, and says so once', () => {
    const h = harness({ only: ['international-daily-quota'], profiles });
    const call = (at: string, billSec: number, cost = 0) => h.call(at, { account: 'travel', callee: LISBON, billSec, cost });
    const verdicts = h.feed(
      call('2026-03-02T09:00:00-03:00', 40 * 60),
      call('2026-03-02T12:00:00-03:00', 10 * 60), // 50 min: 83 %
      call('2026-03-02T15:00:00-03:00', 10 * 60), // 60 min: 100 %
      call('2026-03-02T16:00:00-03:00', 5 * 60),
    );
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.severity, a.details['percentUsed']]),
      [
        ['warn', 83.33],
        ['critical', 100],
      ],
    );
    const [block] = blocksOf(verdicts);
    assert.equal(block?.scope, 'international');
    assert.equal(new Date(block?.expiresAt ?? 0).toISOString(), '2026-03-03T03:00:00.000Z', 'local midnight is 03:00 UTC');
    assert.equal(h.engine.ruleStats.get('international-daily-quota')?.suppressed, 1);
  });

  it('counts cost as well as minutes: whichever limit is reached first', () => {
    const h = harness({ only: ['international-daily-quota'], profiles });
    const verdicts = h.feed(h.call('2026-03-02T09:00:00-03:00', { account: 'travel', callee: LISBON, billSec: 60, cost: 100 }));
    assert.equal(blocksOf(verdicts).length, 1);
  });

  it('starts a new quota at local midnight, not at UTC midnight', () => {
    const h = harness({ only: ['international-daily-quota'], profiles });
    const call = (at: string) => h.call(at, { account: 'travel', callee: LISBON, billSec: 35 * 60 });
    // 23:30 local (02:30 UTC next day) and 00:10 local: two local days, 35 min each: no quota crossed
    assert.deepEqual(alertsOf(h.feed(call('2026-03-02T23:00:00-03:00'), call('2026-03-03T00:10:00-03:00'))), []);
    // 21:30 and 23:30 local are the same local day even though UTC has turned: 70 min, over quota
    const h2 = harness({ only: ['international-daily-quota'], profiles });
    const both = h2.feed(
      h2.call('2026-03-02T21:30:00-03:00', { account: 'travel', callee: LISBON, billSec: 35 * 60 }),
      h2.call('2026-03-02T23:20:00-03:00', { account: 'travel', callee: LISBON, billSec: 35 * 60 }),
    );
    assert.equal(blocksOf(both).length, 1);
  });

  it('computes local midnight in a zone with DST (America/New_York, 2026-03-08 has 23 hours)', () => {
    const h = harness({ only: ['international-daily-quota'], profiles: { ...profiles, defaults: { timeZone: 'America/New_York' } } });
    const [block] = blocksOf(h.feed(h.call('2026-03-08T10:00:00-04:00', { account: 'travel', callee: LISBON, billSec: 61 * 60 })));
    assert.equal(new Date(block?.expiresAt ?? 0).toISOString(), '2026-03-09T04:00:00.000Z');
  });

  it('does nothing for profiles without a quota', () => {
    const h = harness({ only: ['international-daily-quota'], profiles });
    assert.deepEqual(h.feed(h.call('2026-03-02T09:00:00-03:00', { account: 'export', callee: LISBON, billSec: 600 * 60 })), []);
  });
});
