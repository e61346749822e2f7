import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cdr } from '../../../src/domain/cdr/contract.js';
import type { UsageSnapshot } from '../../../src/domain/usage/usage-snapshot.js';
import { alertsOf, blocksOf, harness } from './harness.js';

const profiles = {
  tenants: {
    acme: {
      international: { policy: 'allow' },
      caps: { daily: 100, monthly: 250 },
      accounts: { vip: { caps: { daily: 400 } }, free: {} },
    },
  },
};
const LISBON = '+351213000000';

describe('money caps per profile (issue 16, F2): real time, local day and month in America/Sao_Paulo', () => {
  it('warns at 80 % of the daily cap and blocks every call of the account at 100 % until local midnight', () => {
    const h = harness({ only: ['money-cap'], profiles });
    const call = (at: string, cost: number) => h.call(at, { callee: LISBON, billSec: 600, cost });
    const verdicts = h.feed(call('2026-03-02T09:00:00-03:00', 40), call('2026-03-02T11:00:00-03:00', 45), call('2026-03-02T15:00:00-03:00', 20));
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.severity, a.details['percentUsed'], a.details['costToday']]),
      [
        ['warn', 85, 85],
        ['critical', 105, 105],
      ],
    );
    const [block] = blocksOf(verdicts);
    assert.equal(block?.scope, 'all');
    assert.equal(block?.expiresAt, Date.parse('2026-03-03T00:00:00-03:00'));
  });

  it('counts national calls too (a cap is money), and the month across days: a day under its cap is blocked once the month is over', () => {
    const h = harness({ only: ['money-cap'], profiles });
    const day = (date: string, cost = 90) => h.call(`${date}T10:00:00-03:00`, { callee: '+5511961234567', billSec: 3600, cost });
    const verdicts = h.feed(day('2026-03-02'), day('2026-03-03'), day('2026-03-04'));
    const critical = alertsOf(verdicts).find((a) => a.severity === 'critical');
    assert.deepEqual([critical?.details['costThisMonth'], critical?.details['costToday'], critical?.details['monthlyCap']], [270, 90, 250]);
    assert.equal(blocksOf(verdicts)[0]?.startsAt, Date.parse('2026-03-04T11:00:00-03:00'));
    // a new month starts afresh
    assert.deepEqual(h.feed(day('2026-04-01', 70)), []);
  });

  it('blocks a month over its cap until the local start of next month, not again at each first call of a day', () => {
    const h = harness({ only: ['money-cap'], profiles });
    const day = (date: string, hour = '10') => h.call(`${date}T${hour}:00:00-03:00`, { callee: '+5511961234567', billSec: 3600, cost: 90 });
    const verdicts = h.feed(day('2026-03-02'), day('2026-03-03'), day('2026-03-04'));
    const [block] = blocksOf(verdicts);
    assert.equal(block?.expiresAt, Date.parse('2026-04-01T00:00:00-03:00'));
    assert.match(block?.reason ?? '', /money cap/);
    // the next days' calls are covered by that block: no new block each day
    assert.deepEqual(blocksOf(h.feed(day('2026-03-05'), day('2026-03-06'))), []);
    // a day over its own cap only (month under its cap) is blocked to local midnight
    const other = harness({ only: ['money-cap'], profiles });
    const [daily] = blocksOf(other.feed(other.call('2026-03-02T10:00:00-03:00', { callee: LISBON, billSec: 600, cost: 120 })));
    assert.equal(daily?.expiresAt, Date.parse('2026-03-03T00:00:00-03:00'));
  });

  it('lets an account override one field and inherit the other, and stays silent where no cap is set', () => {
    const h = harness({ only: ['money-cap'], profiles });
    const v = h.feed(h.call('2026-03-02T10:00:00-03:00', { account: 'vip', callee: LISBON, billSec: 600, cost: 240 }));
    assert.deepEqual(
      alertsOf(v).map((a) => [a.details['dailyCap'], a.details['monthlyCap']]),
      [[400, 250]],
    );
    const none = harness({ only: ['money-cap'] });
    assert.deepEqual(none.feed(none.call('2026-03-02T10:00:00-03:00', { callee: LISBON, billSec: 6000, cost: 9000 })), []);
  });

  it('keeps the month through a restart: the usage snapshot carries the totals, the replay of the state horizon adds nothing twice', () => {
    const make = () => harness({ only: ['money-cap'], profiles });
    const source = make();
    const cdrs: Cdr[] = [];
    for (const date of ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']) {
      for (const hour of ['09', '14']) cdrs.push(source.call(`${date}T${hour}:00:00-03:00`, { callee: '+5511961234567', billSec: 1800, cost: 40 }));
    }
    const whole = make();
    const expected = cdrs.flatMap((c) => [...whole.process(c).verdicts]);
    assert.ok(blocksOf(expected).length > 0);

    const cut = 5; // restart on the third day, after its first call
    const before = make();
    const issued = cdrs.slice(0, cut).flatMap((c) => [...before.process(c).verdicts]);
    const snapshots = JSON.parse(JSON.stringify(before.engine.usageSnapshots())) as UsageSnapshot[];
    const now = (cdrs[cut - 1] as Cdr).endedAt;
    const after = make();
    after.engine.restoreUsage(snapshots);
    for (const a of alertsOf(issued)) after.engine.restoreAlert(a);
    for (const b of blocksOf(issued)) after.engine.restoreBlock(b);
    // the rebuild replays only a day and the lateness: the month's first days come from the snapshot
    const horizon = now - after.engine.stateHorizonMs;
    for (const c of cdrs.slice(0, cut).filter((c) => c.startedAt >= horizon)) after.engine.process(c, now, true);
    const got = cdrs.slice(cut).flatMap((c) => [...after.process(c).verdicts]);
    assert.deepEqual(got, expected.slice(issued.length));
  });
});

describe('invalid destinations (issue 16 number validity, G4)', () => {
  it('stays quiet on typos: a few numbers that cannot exist among ordinary calls', () => {
    const h = harness({ only: ['invalid-destinations'] });
    const typos = ['+552055551234', '+551181234567', '+552055551234', '+5511812345678'];
    assert.deepEqual(h.feed(...typos.map((n, i) => h.call(`2026-03-02T10:0${i}:00-03:00`, { callee: n, billSec: 0 }))), []);
  });

  it('blocks a caller dialling ten distinct numbers that cannot exist within ten minutes (a range scan)', () => {
    const h = harness({ only: ['invalid-destinations'] });
    const verdicts = h.feed(
      ...Array.from({ length: 10 }, (_, i) => h.call(`2026-03-02T10:0${i}:30-03:00`, { callee: `+552055551${String(200 + i * 7)}`, billSec: 0 })),
    );
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.severity, a.details['value']]),
      [
        ['warn', 5],
        ['critical', 10],
      ],
    );
    assert.deepEqual(blocksOf(verdicts)[0]?.subject, { kind: 'caller', value: '+551130001000' });
  });
});
