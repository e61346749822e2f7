import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verdictMessage } from '../../../src/adapters/kafka/messages.js';
import { harness, series } from './harness.js';
import { gradedRule } from './graded-rule.js';

const GRADED = gradedRule();

describe('rule throttle on the compacted blocks topic (fixed clock)', () => {
  it('publishes the superseded throttle before the block: they share a key, and compaction keeps the block', () => {
    const h = harness({ only: [], rules: [GRADED] });
    const v = h.feed(...series('2026-03-02T10:00:00-03:00', 6, 20, (at, i) => h.call(at, { caller: `+55113000100${i}` })));
    const messages = v.map((x) => verdictMessage({ alerts: 'alerts', blocks: 'blocks' }, x)).filter((m) => m.topic === 'blocks');
    assert.deepEqual(
      messages.map((m) => m.headers?.['state']),
      ['active', 'lifted', 'active'],
    );
    const [throttle, lift, block] = messages;
    assert.ok(throttle && lift && block);
    assert.equal(lift.key, block.key, 'one key: tenant|subject|rule');
    // what a compacted topic keeps: the last record of each key
    const kept = new Map(messages.map((m) => [m.key, m]));
    assert.deepEqual(
      [...kept.values()].map((m) => [m.headers?.['state'], 'throttle' in (JSON.parse(String(m.value)) as object) ? 'throttle' : 'block']),
      [['active', 'block']],
    );
  });
});

describe('rule throttle: quiet while it runs (fixed clock)', () => {
  it('after a critical below block.at, the rule stays quiet until the throttle ends, then warns and throttles again', () => {
    const rule = { ...GRADED, thresholds: { warn: 3, critical: 6 }, block: { at: 9, duration: '10m' } };
    const h = harness({ only: [], rules: [rule] });
    const kinds = (at: string, n: number) =>
      h
        .feed(...series(at, n, 20, (iso, i) => h.call(iso, { caller: `+55113000200${i}` })))
        .map((x) => (x.kind === 'alert' ? x.severity : x.throttle ? `throttle-${x.state}` : 'block'));
    // six calls 20 s apart, ending 10:00:30 .. 10:02:10: warn and throttle (runs to 10:30:30), then critical
    assert.deepEqual(kinds('2026-03-02T10:00:00-03:00', 6), ['warn', 'throttle-active', 'critical']);
    // 10:10, after the 5m cooldown of the critical and with the window emptied: the throttle still runs, no new warn
    assert.deepEqual(kinds('2026-03-02T10:10:00-03:00', 3), []);
    assert.deepEqual(kinds('2026-03-02T10:25:00-03:00', 3), []);
    // 10:35: the throttle has ended, the rule answers warn with a new throttle
    assert.deepEqual(kinds('2026-03-02T10:35:00-03:00', 3), ['warn', 'throttle-active']);
  });
});
