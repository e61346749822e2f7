import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SeenCalls } from '../../src/api/seen-calls.js';

describe('SeenCalls (retransmitted block-checks)', () => {
  it('answers repeat exactly for keys first seen less than the window ago, within its bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 20_000 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 8 }),
        (steps, maxEntries) => {
          const seen = new SeenCalls(32_000, maxEntries);
          // reference: every key's first-seen time, forgetting the oldest beyond the bound
          const reference = new Map<string, number>();
          let now = 0;
          for (const [k, dt] of steps) {
            now += dt;
            const key = `call-${k}`;
            for (const [rk, at] of reference) if (now - at >= 32_000) reference.delete(rk);
            const expected = reference.has(key);
            assert.equal(seen.repeat(key, now), expected);
            if (!expected) {
              reference.set(key, now);
              if (reference.size > maxEntries) reference.delete(reference.keys().next().value as string);
            }
            assert.ok(seen.size <= maxEntries);
          }
        },
      ),
    );
  });
});
