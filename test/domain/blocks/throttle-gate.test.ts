import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThrottleGate } from '../../../src/domain/blocks/throttle-gate.js';
import type { Block } from '../../../src/domain/blocks/block.js';
import { testBlock } from './test-block.js';

const T0 = Date.parse('2026-03-02T15:00:00-03:00');
const throttle = (id: string, calls: number, perMs: number): Block =>
  testBlock(
    id,
    { kind: 'account', value: 'travel' },
    { rule: 'concurrent-calls', reason: 'test', scope: 'international', throttle: { calls, perMs }, startsAt: T0, expiresAt: T0 + 900_000 },
  );

describe('throttle gate (graded actions)', () => {
  it('lets `calls` calls through in any sliding `per`, refuses the rest, and lets one through again as the oldest leaves', () => {
    const gate = new ThrottleGate();
    const t = [throttle('t1', 2, 60_000)];
    const asked = [0, 10_000, 20_000, 59_999, 60_000, 65_000, 70_000].map((dt) => {
      const over = gate.fits(t, T0 + dt);
      if (!over) gate.pass(t, T0 + dt);
      return over ? 'refused' : 'passed';
    });
    assert.deepEqual(asked, ['passed', 'passed', 'refused', 'refused', 'passed', 'refused', 'passed']);
  });

  it('a call under two throttles needs room in both; sweep forgets expired ones', () => {
    const gate = new ThrottleGate();
    const both = [throttle('loose', 10, 60_000), throttle('tight', 1, 60_000)];
    assert.equal(gate.fits(both, T0), undefined);
    gate.pass(both, T0);
    assert.equal(gate.fits(both, T0 + 1_000)?.id, 'tight');
    assert.equal(gate.size, 2);
    gate.sweep(T0 + 900_000);
    assert.equal(gate.size, 0);
  });
});
