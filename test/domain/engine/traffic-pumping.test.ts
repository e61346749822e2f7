import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, blocksOf, harness, series } from './harness.js';

describe('traffic pumping (G2 "similar origins", F4)', () => {
  const random = (i: number) => `+1${String(2025550100 + i * 7919).padStart(10, '0')}`;

  it('blocks a destination prefix for the tenant at 20 distinct callers in 10 min, mostly short calls', () => {
    const h = harness({ only: ['traffic-pumping'] });
    const calls = series('2026-03-02T02:00:00-03:00', 20, 25, (at, i) =>
      h.call(at, { caller: random(i), callee: `+29171${String(i).padStart(5, '0')}`, billSec: i % 4 === 0 ? 40 : 1 }),
    );
    const verdicts = h.feed(...calls);
    const [block] = blocksOf(verdicts);
    assert.deepEqual(block?.subject, { kind: 'destPrefix', value: '+2917' });
    assert.equal(block?.tenant, 'acme');
    const [alert] = alertsOf(verdicts);
    assert.equal(alert?.details['distinct'], 20);
    assert.equal(alert?.details['shortShare'], 0.75);
  });

  it('leaves a prefix alone when the calls are long (a busy legitimate destination)', () => {
    const h = harness({ only: ['traffic-pumping'] });
    const calls = series('2026-03-02T02:00:00-03:00', 25, 20, (at, i) =>
      h.call(at, { caller: random(i), callee: `+29171${String(i).padStart(5, '0')}`, billSec: 300 }),
    );
    assert.deepEqual(h.feed(...calls), []);
  });

  it('does not count the same caller twice, nor national destinations', () => {
    const h = harness({ only: ['traffic-pumping'] });
    assert.deepEqual(h.feed(...series('2026-03-02T02:00:00-03:00', 25, 20, (at) => h.call(at, { callee: '+2917100000', billSec: 1 }))), []);
    const national = series('2026-03-02T03:00:00-03:00', 25, 20, (at, i) => h.call(at, { caller: random(i), callee: '+5521999990000', billSec: 1 }));
    assert.deepEqual(h.feed(...national), []);
  });
});
