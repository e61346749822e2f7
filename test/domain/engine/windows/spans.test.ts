import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KeyedLog } from '../../../../src/domain/engine/windows/keyed-log.js';
import { densestSpan, eventsNear, mostDistinctSpan } from '../../../../src/domain/engine/windows/spans.js';
import { alertsOf, harness } from '../harness.js';

/** Naive references: every span [j, k] containing the event, checked directly. */
function naiveMaxCount(times: readonly number[], index: number, w: number): number {
  let best = 0;
  for (let j = 0; j <= index; j++)
    for (let k = index; k < times.length; k++) if ((times[k] as number) - (times[j] as number) < w) best = Math.max(best, k - j + 1);
  return best;
}
/** The most distinct values of any span containing `index`. */
function naiveMaxDistinct(times: readonly number[], values: readonly number[], index: number, w: number): number {
  let best = 0;
  for (let j = 0; j <= index; j++) {
    for (let k = index; k < times.length; k++) {
      if ((times[k] as number) - (times[j] as number) < w) best = Math.max(best, new Set(values.slice(j, k + 1)).size);
    }
  }
  return best;
}
/**
 * The same over the spans mostDistinctSpan weighs with a short-call share: each ending on an event k and holding
 * every event of (t_k - w, t_k], skipped when its share of short events is below `minShare` (-1: none qualifies).
 */
function naiveMaxDistinctShort(
  times: readonly number[],
  values: readonly number[],
  shorts: readonly boolean[],
  index: number,
  w: number,
  minShare: number,
): number {
  let best = -1;
  for (let k = index; k < times.length && (times[k] as number) - (times[index] as number) < w; k++) {
    const j = times.findIndex((t) => (times[k] as number) - t < w);
    const share = shorts.slice(j, k + 1).filter(Boolean).length / (k - j + 1);
    if (share >= minShare) best = Math.max(best, new Set(values.slice(j, k + 1)).size);
  }
  return best;
}

const W = 60_000;
const events = fc.array(fc.record({ t: fc.integer({ min: 0, max: 300_000 }), v: fc.integer({ min: 1, max: 6 }), short: fc.boolean() }), {
  minLength: 1,
  maxLength: 40,
});

describe('window counting against a naive reference (property tests)', () => {
  it('densestSpan finds the largest count of any < W span containing the newest event, whatever the arrival order', () => {
    fc.assert(
      fc.property(events, (evs) => {
        const log = new KeyedLog(false);
        evs.forEach((e, seq) => {
          const index = log.insert('k', e.t, seq);
          const view = log.view;
          const times = Array.from({ length: view.length }, (_, i) => view.time(i));
          const span = densestSpan(view, index, W);
          assert.equal(span.last - span.first + 1, naiveMaxCount(times, index, W));
          assert.ok(span.first <= index && index <= span.last);
          assert.ok(view.time(span.last) - view.time(span.first) < W);
          // the cheap bound the sequence detector skips quiet callers with
          assert.ok(eventsNear(view, index, W) >= span.last - span.first + 1);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('mostDistinctSpan finds the most distinct values of any < W span containing the newest event, with or without a short-call share', () => {
    fc.assert(
      fc.property(events, fc.constantFrom(0, 0.5, 1), (evs, minShare) => {
        const log = new KeyedLog(true);
        evs.forEach((e, seq) => {
          // encoded as the distinct detector logs a call: value times two, plus one when short
          const index = log.insert('k', e.t, seq, e.v * 2 + (e.short ? 1 : 0));
          const view = log.view;
          const times = Array.from({ length: view.length }, (_, i) => view.time(i));
          const values = Array.from({ length: view.length }, (_, i) => Math.floor(view.value(i) / 2));
          const shorts = Array.from({ length: view.length }, (_, i) => view.value(i) % 2 === 1);
          const span = mostDistinctSpan(
            view,
            index,
            W,
            (i) => Math.floor(view.value(i) / 2),
            (i) => view.value(i) % 2 === 1,
            minShare,
          );
          assert.equal(span?.distinct ?? -1, naiveMaxDistinctShort(times, values, shorts, index, W, minShare));
          if (minShare === 0) assert.equal(span?.distinct, naiveMaxDistinct(times, values, index, W));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('trim keeps exactly the entries at or after the horizon', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 0, max: 300_000 }), (evs, horizon) => {
        const log = new KeyedLog(false);
        evs.forEach((e, seq) => log.insert(`k${e.v}`, e.t, seq));
        log.trim(horizon);
        assert.equal(log.eventCount(), evs.filter((e) => e.t >= horizon).length);
        assert.equal(log.keyCount, new Set(evs.filter((e) => e.t >= horizon).map((e) => e.v)).size);
      }),
    );
  });

  it('the velocity rule fires for a caller if and only if some < 60 s span holds 5 calls, in any arrival order (EV06)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 30 }), (offsets) => {
        const h = harness({ only: ['velocity-caller'] });
        const base = Date.parse('2026-03-02T10:00:00-03:00');
        const verdicts = h.feed(...offsets.map((s) => h.call(new Date(base + s * 1000).toISOString())));
        const sorted = offsets.map((s) => s * 1000).sort((a, b) => a - b);
        const expected = sorted.some((_, i) => naiveMaxCount(sorted, i, W) >= 5);
        assert.equal(alertsOf(verdicts).length > 0, expected);
      }),
      { numRuns: 200 },
    );
  });
});
