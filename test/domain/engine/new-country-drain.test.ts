import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotOfRow, usageRow } from '../../../src/adapters/clickhouse/usage-rows.js';
import { alertsOf, blocksOf, harness, series } from './harness.js';

const RULE = 'exposure-new-country-off-hours';
const profiles = { tenants: { acme: { international: { policy: 'allow' } } } };
/** Guinea mobiles (R$ 3.00 a minute in rates.csv; these CDRs carry no cost, as Asterisk's do). */
const GUINEA = (i: number) => `+22462${String(1_000_000 + i * 7919).slice(-7)}`;
const ANGOLA_HOME = '+244923456789';

/** An office seen since Monday morning: a few national calls. */
function office(h: ReturnType<typeof harness>, day = '2026-03-02', account = 'office') {
  return h.feed(...series(`${day}T08:30:00-03:00`, 4, 1800, (at) => h.call(at, { account, billSec: 120 })));
}
/** A call of `minutes` to `callee` from the office's extension 2001. */
const abroad = (h: ReturnType<typeof harness>, at: string, callee: string, minutes: number, account = 'office') =>
  h.call(at, { account, caller: '2001', callee, billSec: minutes * 60 });

describe('money after hours on a country the account began dialling today (issue 16 cost exposure, F2 G3 G4)', () => {
  it('a drain of 10 min calls every 25 min to numbers of a new range is blocked at its 2nd call (R$ 60), international only, until the office opens', () => {
    const h = harness({ only: [RULE], profiles });
    assert.deepEqual(office(h), []);
    const drain = series('2026-03-02T19:00:00-03:00', 6, 25 * 60, (at, i) => abroad(h, at, GUINEA(i), 10));
    const first = h.feed(drain[0]!);
    assert.deepEqual(first, [], 'one call is a conversation');
    const second = h.feed(drain[1]!);
    const critical = alertsOf(second).find((a) => a.severity === 'critical');
    assert.deepEqual(
      [critical?.subject, critical?.details['value'], critical?.details['numbers'], critical?.details['threshold'], critical?.details['novel']],
      [{ kind: 'account', value: 'office' }, 60, 2, 40, 'recentCountry'],
    );
    const [block] = blocksOf(second);
    assert.equal(block?.scope, 'international');
    assert.equal(new Date(block?.expiresAt ?? 0).toISOString(), '2026-03-03T11:00:00.000Z', 'until 08:00 Tuesday, local');
  });

  it('an employee calling home after work, the same number again after a dropped line, is never alerted on', () => {
    const h = harness({ only: [RULE], profiles });
    office(h);
    const home = h.feed(abroad(h, '2026-03-02T19:30:00-03:00', ANGOLA_HOME, 6), abroad(h, '2026-03-02T19:38:00-03:00', ANGOLA_HOME, 40));
    assert.deepEqual(home, []);
  });

  it('a country first dialled over a day ago is no longer new: its evening calls to several numbers are not counted', () => {
    const h = harness({ only: [RULE], profiles });
    office(h);
    h.feed(abroad(h, '2026-03-02T12:00:00-03:00', GUINEA(99), 20));
    const tuesday = h.feed(...series('2026-03-03T19:00:00-03:00', 4, 25 * 60, (at, i) => abroad(h, at, GUINEA(i), 10)));
    assert.deepEqual(tuesday, []);
  });

  it('counts only after hours: the same calls during the working day are left to the other exposure rules', () => {
    const h = harness({ only: [RULE], profiles });
    office(h);
    assert.deepEqual(h.feed(...series('2026-03-02T14:00:00-03:00', 4, 25 * 60, (at, i) => abroad(h, at, GUINEA(i), 10))), []);
  });

  it('needs an account watched for a working day: one first seen in the evening has shown nothing to compare with', () => {
    const h = harness({ only: [RULE], profiles });
    office(h, '2026-03-02', 'late');
    h.feed(h.call('2026-03-02T18:30:00-03:00', { account: 'fresh', billSec: 60 }));
    const fresh = h.feed(...series('2026-03-02T19:00:00-03:00', 4, 25 * 60, (at, i) => abroad(h, at, GUINEA(i), 10, 'fresh')));
    assert.deepEqual(fresh, []);
  });

  it('leaves callbacks to a Wangiri range to the Wangiri rules: the employees calling back are its victims', () => {
    const h = harness({ only: [RULE, 'wangiri-range'], profiles });
    office(h);
    const mali = (i: number) => `+2237${String(1_000_000 + i * 3_571)}`;
    const rings = series('2026-03-02T18:30:00-03:00', 6, 40, (at, i) =>
      h.call(at, { direction: 'inbound', caller: mali(i), callee: `+55113100${1000 + i}`, billSec: 0 }),
    );
    assert.equal(blocksOf(h.feed(...rings), 'wangiri-range').length, 1);
    const callbacks = series('2026-03-02T19:00:00-03:00', 4, 20 * 60, (at, i) => abroad(h, at, mali(i), 10));
    assert.deepEqual(alertsOf(h.feed(...callbacks), RULE), []);
  });

  it('keeps the recent countries through a restart: the stored snapshot row carries them, older rows without them still load', () => {
    const before = harness({ only: [RULE], profiles });
    office(before);
    const drain = series('2026-03-02T19:00:00-03:00', 2, 25 * 60, (at, i) => abroad(before, at, GUINEA(i), 10));
    before.feed(drain[0]!);
    const [snapshot] = before.engine.usageSnapshots();
    const row = usageRow(snapshot!);
    const stored = snapshotOfRow('acme', row.body);
    assert.ok(stored.ok, stored.ok ? '' : stored.reason);
    const after = harness({ only: [RULE], profiles });
    after.engine.restoreUsage([stored.snapshot]);
    // the rebuild replays the state horizon: the first call counts again only if the country is still known as recent
    after.engine.process(drain[0]!, drain[0]!.endedAt, true);
    assert.equal(alertsOf(after.feed(drain[1]!)).find((a) => a.severity === 'critical')?.details['value'], 60);
    // a row stored before recent countries were kept (7 elements per account) is still a snapshot
    const old = JSON.parse(row.body) as { accounts: unknown[][] };
    for (const a of old.accounts) a.length = 7;
    assert.equal(snapshotOfRow('acme', JSON.stringify(old)).ok, true);
  });

  it("scales with the account's own learned level around this hour: an account that does this on ordinary evenings", () => {
    const h = harness({ only: [RULE], profiles });
    office(h, '2026-03-02', 'export');
    // Monday evening: two numbers of a new country, R$ 30 (a warning, learned as the account's level at 19h)
    const monday = h.feed(abroad(h, '2026-03-02T19:00:00-03:00', GUINEA(1), 5, 'export'), abroad(h, '2026-03-02T19:30:00-03:00', GUINEA(2), 5, 'export'));
    assert.deepEqual(
      alertsOf(monday).map((a) => [a.severity, a.details['threshold']]),
      [['warn', 20]],
    );
    // Tuesday evening: another new country, R$ 57: critical would be max(40, 2 × 30) = 60
    const sierraLeone = (i: number) => `+23276${String(100_000 + i)}`;
    const tuesday = h.feed(
      abroad(h, '2026-03-03T19:00:00-03:00', sierraLeone(1), 10, 'export'),
      abroad(h, '2026-03-03T19:30:00-03:00', sierraLeone(2), 9, 'export'),
    );
    assert.deepEqual(
      alertsOf(tuesday).map((a) => [a.severity, a.details['threshold'], a.details['baselineFrom']]),
      [['warn', 30, 'learned peak, business days 19h±1']],
    );
  });
});
