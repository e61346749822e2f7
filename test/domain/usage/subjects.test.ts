import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Members } from '../../../src/domain/usage/sites.js';
import { FAMILIAR_AFTER_MS, callerSite, familiar, ipSite, minuteOf, touch } from '../../../src/domain/usage/subjects.js';

const T0 = Date.parse('2026-04-16T10:00:50-03:00');

describe('G3 subject records: familiarity in exact event time', () => {
  it('a subject first seen at 10:00:50 is not familiar at 10:00:30 the next day, and is at 10:00:50', () => {
    const site = callerSite(T0, minuteOf(T0), []);
    assert.equal(familiar(site, T0 + FAMILIAR_AFTER_MS - 20_000), false);
    assert.equal(familiar(site, T0 + FAMILIAR_AFTER_MS), true);
  });

  it('property: familiar(t) is exactly firstSeen <= t - 1 day, whatever order the calls were seen in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 * 86_400_000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 5 * 86_400_000 }),
        (offsets, probe) => {
          const first = T0 + (offsets[0] as number);
          const site = ipSite(first, minuteOf(first), new Members(), new Members());
          for (const o of offsets) touch(site, T0 + o);
          const firstSeen = T0 + Math.min(...offsets);
          assert.equal(site.firstSeen, firstSeen);
          assert.equal(familiar(site, T0 + probe), firstSeen <= T0 + probe - FAMILIAR_AFTER_MS);
        },
      ),
      { numRuns: 300 },
    );
  });
});
