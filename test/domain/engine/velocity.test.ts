import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, blocksOf, harness, minutes, series } from './harness.js';

/** velocity-caller as the seeds write it (EV06): 5 calls within 60 s, no learned baseline. */
const STATIC_VELOCITY = {
  id: 'velocity-caller',
  description: 'Calls from one caller in under a minute',
  cites: ['EV06'],
  key: 'caller',
  measure: { kind: 'count' },
  window: '60s',
  thresholds: { critical: 5 },
  block: { duration: '5m' },
};

describe('velocity per origin (EV06, EV07): >= 5 calls from one caller in < 60 s blocks the caller for 5 min', () => {
  it('blocks at the fifth call within 59 s, with the calls as evidence and the block starting when that call ended', () => {
    const h = harness({ only: ['velocity-caller'] });
    const calls = series('2026-03-02T10:00:00-03:00', 5, 14, (at) => h.call(at));
    const verdicts = h.feed(...calls);
    const [block] = blocksOf(verdicts);
    assert.ok(block);
    assert.deepEqual(block.subject, { kind: 'caller', value: '+551130001000' });
    assert.equal(block.startsAt, calls[4]?.endedAt, 'its CDR exists from then: the block protects from the decision');
    assert.equal(block.expiresAt - block.startsAt, minutes(5));
    assert.equal(block.level, 1);
    assert.deepEqual(
      alertsOf(verdicts)[0]?.evidence,
      calls.map((c) => c.id),
    );
    assert.equal(alertsOf(verdicts)[0]?.severity, 'critical');
  });

  it('counts any 60-second span, not clock minutes: 10:00:40 to 10:01:20 is one window', () => {
    const h = harness({ only: ['velocity-caller'] });
    const verdicts = h.feed(...series('2026-03-02T10:00:40-03:00', 5, 10, (at) => h.call(at)));
    assert.equal(blocksOf(verdicts).length, 1);
  });

  it('does not fire when the five calls span exactly 60 s (the requirement says < 1 min)', () => {
    const h = harness({ only: ['velocity-caller'] });
    assert.deepEqual(h.feed(...series('2026-03-02T10:00:00-03:00', 5, 15, (at) => h.call(at))), []);
  });

  it('does not fire at four calls, nor for five calls from different callers', () => {
    const h = harness({ only: ['velocity-caller'] });
    assert.deepEqual(h.feed(...series('2026-03-02T10:00:00-03:00', 4, 5, (at) => h.call(at))), []);
    const others = series('2026-03-02T11:00:00-03:00', 5, 5, (at, i) => h.call(at, { caller: `+55113000100${i}` }));
    assert.deepEqual(h.feed(...others), []);
  });

  it('counts a late CDR in the window it belongs to (event time, not arrival time)', () => {
    const h = harness({ only: ['velocity-caller'] });
    const calls = series('2026-03-02T10:00:00-03:00', 5, 10, (at) => h.call(at));
    // the second call was a long one: its CDR arrives last, two hours later
    const late = calls.splice(1, 1)[0];
    assert.ok(late);
    assert.deepEqual(h.feed(...calls), []);
    const outcome = h.process(late, late.startedAt + minutes(120));
    assert.equal(outcome.status, 'evaluated');
    const [block] = blocksOf(outcome.verdicts);
    assert.ok(block, 'the late call completes the burst');
    assert.equal(alertsOf(outcome.verdicts)[0]?.at, Date.parse('2026-03-02T10:00:40-03:00'), 'the fifth call in event time fired');
    assert.equal(block.startsAt, Date.parse('2026-03-02T10:01:10-03:00'), 'the block protects from the newest call end on');
  });

  it('EV06: an attack of long calls is blocked when its CDRs arrive, an hour after the calls started (held-out defect a)', () => {
    const h = harness({ only: ['velocity-caller'] });
    // five parallel 70-minute calls to one destination: each CDR arrives when its call ends
    const calls = series('2026-03-02T02:00:00-03:00', 5, 8, (at) => h.call(at, { billSec: 70 * 60 }));
    const verdicts = h.feed(...calls);
    const [block] = blocksOf(verdicts);
    assert.ok(block, 'issued, not "already expired"');
    const lastEnd = calls[4]?.endedAt ?? 0;
    assert.equal(block.startsAt, lastEnd);
    assert.equal(block.expiresAt, lastEnd + minutes(5), "five minutes from the decision, not from the calls' start");
    // the attacker dials again while blocked: those calls stay suppressed under the same block
    const again = h.feed(...series(new Date(lastEnd + 60_000).toISOString(), 6, 5, (at) => h.call(at, { billSec: 10 })));
    assert.deepEqual(again, []);
    assert.equal(h.engine.ruleStats.get('velocity-caller')?.suppressed, 2, 'the fifth and sixth quick calls hit the running block');
  });

  it('a block is never stretched beyond the allowed lateness by a call end far after its start', () => {
    const h = harness({ only: ['velocity-caller'], allowedLatenessMs: minutes(60) });
    const calls = series('2026-03-02T02:00:00-03:00', 5, 8, (at) => h.call(at, { billSec: 3 * 3600 }));
    const [block] = blocksOf(h.feed(...calls));
    assert.ok(block);
    assert.equal(block.startsAt, (calls[4]?.startedAt ?? 0) + minutes(60));
  });

  it('refuses CDRs older than the allowed lateness, and CDRs from the future', () => {
    const h = harness({ only: ['velocity-caller'], allowedLatenessMs: minutes(60) });
    h.feed(h.call('2026-03-02T12:00:00-03:00'));
    assert.equal(h.process(h.call('2026-03-02T10:59:59-03:00')).status, 'too-late');
    assert.equal(h.process(h.call('2026-03-02T11:00:00-03:00')).status, 'evaluated');
    const future = h.call('2026-03-02T13:00:00-03:00');
    assert.equal(h.process(future, future.startedAt - minutes(30)).status, 'future');
    assert.deepEqual(h.engine.counts, { evaluated: 2, emergency: 0, 'too-late': 1, future: 1, duplicate: 0, leg: 0 });
  });

  it('suppresses repeated alerts while the block is active and counts them', () => {
    const h = harness({ only: ['velocity-caller'] });
    const verdicts = h.feed(...series('2026-03-02T10:00:00-03:00', 12, 5, (at) => h.call(at)));
    assert.equal(blocksOf(verdicts).length, 1);
    assert.equal(alertsOf(verdicts).length, 1);
    assert.equal(h.engine.ruleStats.get('velocity-caller')?.suppressed, 7);
    // after the block expires, the next burst alert reports how many were suppressed before it
    const again = h.feed(...series('2026-03-02T10:06:00-03:00', 5, 5, (at) => h.call(at)));
    assert.equal(alertsOf(again)[0]?.details['suppressedBefore'], 7);
  });

  it('escalates repeat offenders within 24 h: 5 min, then 1 h, then 24 h; after a 24 h block it starts over', () => {
    // the seed's fixed threshold: escalation is the episode book's, whatever the baseline
    const h = harness({ only: ['velocity-caller'], rules: [STATIC_VELOCITY] });
    const burst = (at: string) => blocksOf(h.feed(...series(at, 5, 5, (t) => h.call(t))))[0];
    const durations = ['2026-03-02T10:00:00-03:00', '2026-03-02T10:10:00-03:00', '2026-03-02T11:20:00-03:00', '2026-03-03T11:30:00-03:00']
      .map(burst)
      .map((b) => [b?.level, (b?.expiresAt ?? 0) - (b?.startsAt ?? 0)]);
    assert.deepEqual(durations, [
      [1, minutes(5)],
      [2, minutes(60)],
      [3, minutes(24 * 60)],
      [1, minutes(5)],
    ]);
    const fresh = harness({ only: ['velocity-caller'], rules: [STATIC_VELOCITY] });
    fresh.feed(...series('2026-03-02T10:00:00-03:00', 5, 5, (t) => fresh.call(t)));
    const nextDay = blocksOf(fresh.feed(...series('2026-03-03T10:00:01-03:00', 5, 5, (t) => fresh.call(t))))[0];
    assert.equal(nextDay?.level, 1, 'a block more than 24 h earlier does not count');
  });

  it('per account has its own threshold (warn 20, critical and block at 30)', () => {
    const h = harness({ only: ['velocity-account'] });
    const calls = series('2026-03-02T10:00:00-03:00', 30, 1, (at, i) => h.call(at, { caller: `+55113000${String(1000 + i)}` }));
    const verdicts = h.feed(...calls);
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.severity, a.details['value']]),
      [
        ['warn', 20],
        ['critical', 30],
      ],
    );
    assert.deepEqual(blocksOf(verdicts)[0]?.subject, { kind: 'account', value: 'sales' });
  });
});
