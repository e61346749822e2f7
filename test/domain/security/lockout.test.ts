import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { failureWindowStart, LOCK_AFTER_FAILURES, LOCK_WINDOW_MS, locksNow } from '../../../src/domain/security/lockout.js';

const NOW = Date.parse('2026-03-02T18:00:00-03:00');

describe('EV03 lockout window', () => {
  it('counts the last minute, cut at a success from the same address or an unlock', () => {
    assert.equal(failureWindowStart(NOW, []), NOW - LOCK_WINDOW_MS);
    assert.equal(failureWindowStart(NOW, [undefined, undefined]), NOW - LOCK_WINDOW_MS);
    assert.equal(failureWindowStart(NOW, [NOW - 10_000, undefined]), NOW - 10_000);
    assert.equal(failureWindowStart(NOW, [NOW - 10_000, NOW - 5_000]), NOW - 5_000);
    assert.equal(failureWindowStart(NOW, [NOW - 3_600_000]), NOW - LOCK_WINDOW_MS, 'an old success does not widen the window');
  });

  it('never starts before the last minute nor before a fresh start (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: NOW - 7_200_000, max: NOW }), { nil: undefined }), { maxLength: 4 }), (starts) => {
        const from = failureWindowStart(NOW, starts);
        assert.ok(from >= NOW - LOCK_WINDOW_MS && from <= NOW);
        for (const s of starts) if (s !== undefined) assert.ok(from >= s);
      }),
    );
  });

  it('locks at 5 failures', () => {
    assert.equal(LOCK_AFTER_FAILURES, 5);
    assert.deepEqual([3, 4, 5, 6].map(locksNow), [false, false, true, true]);
  });
});
