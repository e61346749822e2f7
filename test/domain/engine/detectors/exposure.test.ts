import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ExposureDetector } from '../../../../src/domain/engine/detectors/exposure.js';
import type { CallEvent } from '../../../../src/domain/engine/event.js';
import { compileRule } from '../../../../src/domain/rules/compile.js';
import { ruleSpec } from '../../../../src/domain/rules/spec.js';
import { pinned } from '../../../rig/property.js';

const rule = compileRule(
  ruleSpec.parse({
    id: 'x',
    description: 'x',
    cites: ['F2'],
    key: 'account',
    measure: { kind: 'sum', of: 'cost' },
    window: '5m',
    thresholds: { critical: 100 },
  }),
);
const BUCKET = rule.windowMs / 30;
const T0 = Date.parse('2026-03-02T13:00:00Z');
const event = (seq: number, end: number, cost: number, costEstimated = false) => ({ seq, end, cost, costEstimated }) as unknown as CallEvent;

describe('exposure window (sum of cost by call end)', () => {
  it('property: the measure is the money of the calls ending in the window that ends at the newest bucket, for any arrival a little out of order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 90_000 }),
            jitter: fc.integer({ min: 0, max: 40_000 }),
            cents: fc.integer({ min: 0, max: 50_000 }),
            key: fc.integer({ min: 0, max: 2 }),
          }),
          {
            minLength: 1,
            maxLength: 120,
          },
        ),
        (calls) => {
          const d = new ExposureDetector(rule);
          const seen: { key: number; end: number; cost: number }[] = [];
          let t = T0;
          calls.forEach((c, seq) => {
            t += c.gap;
            const end = t - c.jitter; // exporters deliver by call end, give or take a few seconds
            const cost = c.cents / 100;
            const o = d.observe(event(seq, end, cost), `acme\u0000a${c.key}`);
            seen.push({ key: c.key, end, cost });
            if (cost === 0) return assert.equal(o, null);
            const mine = seen.filter((s) => s.key === c.key);
            const head = Math.max(...mine.map((s) => Math.floor(s.end / BUCKET)));
            if (Math.floor(end / BUCKET) <= head - 30) return assert.equal(o, null);
            const expected = mine.filter((s) => Math.floor(s.end / BUCKET) > head - 30).reduce((n, s) => n + s.cost, 0);
            assert.ok(o && Math.abs(o.value - expected) < 1e-6, `${o?.value} vs ${expected}`);
          });
        },
      ),
      pinned({ numRuns: 300, seed: 16 }),
    );
  });

  it('explains itself: cost, the estimated part, calls, window and the calls as evidence', () => {
    const d = new ExposureDetector(rule);
    d.observe(event(1, T0, 40), 'k');
    d.observe(event(2, T0 + 60_000, 60, true), 'k');
    const o = d.observe(event(3, T0 + 120_000, 10), 'k');
    const windowEnd = (Math.floor((T0 + 120_000) / BUCKET) + 1) * BUCKET;
    assert.deepEqual(o?.details(), {
      cost: 110,
      estimatedCost: 60,
      calls: 3,
      window: '5m',
      from: new Date(windowEnd - 300_000).toISOString(),
      to: new Date(windowEnd).toISOString(),
    });
    assert.deepEqual(o?.evidence(), [1, 2, 3]);
    assert.equal(o?.reachedAt(100), T0 + 120_000);
    // ten minutes later the window holds only the new call
    assert.equal(d.observe(event(4, T0 + 720_000, 5), 'k')?.value, 5);
    d.trim(() => T0 + 3_600_000);
    assert.equal(d.keyCount, 0);
  });
});

describe('exposure window with minDistinct (numbers of the window)', () => {
  const distinctRule = compileRule(
    ruleSpec.parse({
      id: 'y',
      description: 'y',
      cites: ['F2'],
      key: 'account',
      measure: { kind: 'sum', of: 'cost', minDistinct: 2 },
      window: '3h',
      thresholds: { critical: 40 },
    }),
  );
  const STEP = distinctRule.windowMs / 30;
  const dialled = (seq: number, end: number, cost: number, callee: string) =>
    ({ seq, end, cost, costEstimated: true, calleeText: callee }) as unknown as CallEvent;

  it('property: fires (an observation) exactly when the window holds calls to at least 2 numbers, with the same money as without the condition', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ gap: fc.integer({ min: 0, max: 3_600_000 }), number: fc.integer({ min: 0, max: 2 }), cents: fc.integer({ min: 1, max: 9_000 }) }),
          {
            minLength: 1,
            maxLength: 15,
          },
        ),
        (calls) => {
          const d = new ExposureDetector(distinctRule);
          const plain = new ExposureDetector(
            compileRule(
              ruleSpec.parse({
                id: 'z',
                description: 'z',
                cites: ['F2'],
                key: 'account',
                measure: { kind: 'sum', of: 'cost' },
                window: '3h',
                thresholds: { critical: 40 },
              }),
            ),
          );
          const seen: { end: number; number: number }[] = [];
          let t = T0;
          calls.forEach((c, seq) => {
            t += c.gap;
            seen.push({ end: t, number: c.number });
            const callee = `+22462000000${c.number}`;
            const o = d.observe(dialled(seq, t, c.cents / 100, callee), 'k');
            const all = plain.observe(dialled(seq, t, c.cents / 100, callee), 'k');
            const head = Math.floor(t / STEP);
            const numbers = new Set(seen.filter((s) => Math.floor(s.end / STEP) > head - 30).map((s) => s.number)).size;
            if (numbers < 2) return assert.equal(o, null);
            assert.ok(o && all && Math.abs(o.value - all.value) < 1e-6);
            assert.equal(o.details()['numbers'], numbers);
          });
        },
      ),
      pinned({ numRuns: 300, seed: 16 }),
    );
  });

  it('one number redialled never fires, whatever it costs; a second number does', () => {
    const d = new ExposureDetector(distinctRule);
    assert.equal(d.observe(dialled(1, T0, 90, '+244923000001'), 'k'), null);
    assert.equal(d.observe(dialled(2, T0 + 1_200_000, 90, '+244923000001'), 'k'), null);
    const o = d.observe(dialled(3, T0 + 2_400_000, 30, '+244923000002'), 'k');
    assert.equal(o?.value, 210);
    assert.deepEqual(o?.evidence(), [1, 2, 3]);
  });
});
