import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Concurrency, CONCURRENT_CALLS, type LiveCall } from '../../../src/domain/live/concurrency.js';
import type { ConcurrencyProfile } from '../../../src/domain/engine/profiles.js';
import type { Block } from '../../../src/domain/blocks/block.js';

const T0 = Date.parse('2026-03-02T15:00:00-03:00');
const DAY = 86_400_000;
const PROFILE: ConcurrencyProfile = { international: 10, throttle: { floor: 5, factor: 2, calls: 2, perMs: 60_000, forMs: 15 * 60_000 } };
const call = (n: number, o: Partial<LiveCall> = {}): LiveCall => ({
  tenant: 'acme',
  account: 'travel',
  caller: '+551130001000',
  callee: `+23480312345${String(n).padStart(2, '0')}`,
  international: true,
  concurrency: PROFILE,
  ...o,
});

/** Places `n` calls one second apart, each judged then (when not refused) opened; returns the judgements. */
function place(c: Concurrency, n: number, from: number, o: Partial<LiveCall> = {}) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const at = from + i * 1_000;
    const j = c.judge(call(i, o), at);
    if (!j.refuse) c.open(call(i, o), undefined, at);
    out.push(j);
  }
  return out;
}

describe('concurrency: caps and the usual peak of live calls (issue 16, F2 G3)', () => {
  it('refuses the 11th simultaneous international call of an account capped at 10, alerting once, until a CDR frees a place', () => {
    const c = new Concurrency({ maxAgeMs: 4 * 3_600_000, toleranceMs: 60_000 });
    const js = place(c, 25, T0, { concurrency: { international: 10 } });
    assert.deepEqual(
      js.map((j) => (j.refuse ? 'refused' : 'allowed')),
      [...Array<string>(10).fill('allowed'), ...Array<string>(15).fill('refused')],
    );
    assert.equal(js[10]?.refuse?.detail, '11 live international calls (cap 10)');
    assert.equal(js[10]?.refuse?.rule, CONCURRENT_CALLS);
    const alerts = js.flatMap((j) => j.verdicts);
    assert.equal(alerts.length, 1, 'one critical alert per quiet period, not one per refused call');
    assert.equal(alerts[0]?.kind === 'alert' && alerts[0].severity, 'critical');
    assert.equal(c.counts.refused, 15);
    assert.ok(c.close({ tenant: 'acme', caller: '+551130001000', callee: '+2348031234503', startedAt: T0 + 3_000 }, T0 + 2 * 3_600_000));
    assert.equal(c.judge(call(99), T0 + 2 * 3_600_000).refuse, undefined, 'a freed place is taken again');
  });

  it('caps every call with max, national ones included; no cap configured judges nothing', () => {
    const c = new Concurrency({ maxAgeMs: 3_600_000, toleranceMs: 60_000 });
    const js = place(c, 4, T0, { international: false, concurrency: { max: 3 } });
    assert.equal(js[3]?.refuse?.detail, '4 live calls (cap 3)');
    assert.deepEqual(
      place(c, 40, T0, { account: 'free', concurrency: {} }).filter((j) => j.refuse || j.verdicts.length > 0),
      [],
    );
  });

  it('above max(floor, factor × usual peak) and under the cap, issues one throttle of the account’s international calls', () => {
    const c = new Concurrency({ maxAgeMs: 4 * 3_600_000, toleranceMs: 60_000 });
    const js = place(c, 8, T0);
    const issued = js.flatMap((j) => j.verdicts);
    assert.equal(
      js.findIndex((j) => j.verdicts.length > 0),
      5,
      'the 6th live call is above the floor of 5 (no usual peak yet)',
    );
    assert.deepEqual(
      issued.map((v) => `${v.kind}:${v.kind === 'alert' ? v.severity : ''}`),
      ['alert:warn', 'block:'],
    );
    const t = issued[1] as Block;
    assert.deepEqual(t.throttle, { calls: 2, perMs: 60_000 });
    assert.equal(t.scope, 'international');
    assert.equal(t.expiresAt - t.startsAt, 15 * 60_000);
    assert.deepEqual(t.subject, { kind: 'account', value: 'travel' });
    assert.match(t.reason, /^6 live international calls, above max\(5, 2 × usual peak 0\) = 5, cap 10: 2 new international calls per 1m$/);
  });

  it('learns the usual peak per day in event time (the last 7 days), never what reached the throttle level', () => {
    const c = new Concurrency({ maxAgeMs: 4 * 3_600_000, toleranceMs: 60_000 });
    const acct = { tenant: 'acme', account: 'travel' };
    place(c, 4, T0); // 4 calls up at once on day 0: learned
    c.sweep(T0 + 5 * 3_600_000); // their CDRs never came: expired
    assert.equal(c.baseline(acct, T0), 0, 'today does not count: a burst never raises its own threshold');
    assert.equal(c.baseline(acct, T0 + DAY), 4);
    place(c, 9, T0 + DAY); // level max(5, 8) = 8: 9th call is an attack, not learned
    c.sweep(T0 + DAY + 5 * 3_600_000);
    assert.equal(c.baseline(acct, T0 + 2 * DAY), 8, 'learned up to the level, not the 9th');
    assert.equal(c.baseline(acct, T0 + 8 * DAY), 8, 'day 1 is still within the last 7 days on day 8');
    assert.equal(c.baseline(acct, T0 + 9 * DAY), 0, 'forgotten after a week');
  });
});
