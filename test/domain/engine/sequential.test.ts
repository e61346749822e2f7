import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { longestRun } from '../../../src/domain/engine/windows/sequence.js';
import { alertsOf, blocksOf, harness, series } from './harness.js';

describe('sequential-number dialling (G2): war-dialling and number enumeration', () => {
  const enumerate = (h: ReturnType<typeof harness>, suffixes: readonly number[], gapSec = 20, at = '2026-03-02T10:00:00-03:00') =>
    series(at, suffixes.length, gapSec, (t, i) => h.call(t, { callee: `+55213000${String(suffixes[i]).padStart(4, '0')}`, billSec: 0 }));

  it('catches …0001, …0002, …0004, …0005, …0006 at 3 calls per minute, below the velocity threshold', () => {
    const h = harness({ only: ['sequential-dialling', 'velocity-caller'] });
    const calls = enumerate(h, [1, 2, 4, 5, 6]);
    const verdicts = h.feed(...calls);
    assert.deepEqual(
      alertsOf(verdicts).map((a) => a.rule),
      ['sequential-dialling'],
    );
    const [alert] = alertsOf(verdicts);
    assert.equal(alert?.details['direction'], 'ascending');
    assert.equal(alert?.details['firstNumber'], '+552130000001');
    assert.equal(alert?.details['lastNumber'], '+552130000006');
    assert.deepEqual(
      alert?.evidence,
      calls.map((c) => c.id),
    );
    assert.equal(blocksOf(verdicts)[0]?.subject.value, '+551130001000');
  });

  it('catches descending runs and runs with other calls interleaved', () => {
    const h = harness({ only: ['sequential-dialling'] });
    assert.equal(alertsOf(h.feed(...enumerate(h, [90, 88, 87, 85, 84]))).length, 1);
    const h2 = harness({ only: ['sequential-dialling'] });
    const interleaved = enumerate(h2, [11, 7311, 12, 13, 2222, 15, 16]);
    const [alert] = alertsOf(h2.feed(...interleaved));
    assert.equal(alert?.details['run'], 5);
  });

  it('G2: a sales team working a purchased list (consecutive numbers, answered, minutes long) is not war-dialling (held-out defect c)', () => {
    const h = harness({ only: ['sequential-dialling'] });
    const list = series('2026-03-02T10:00:00-03:00', 8, 70, (t, i) =>
      h.call(t, { callee: `+55213000${String(101 + i).padStart(4, '0')}`, billSec: 60 + 7 * i }),
    );
    assert.deepEqual(h.feed(...list), []);
    // an enumerator on the same list hangs up at once, or nobody answers: caught
    const quick = series('2026-03-02T11:00:00-03:00', 5, 20, (t, i) =>
      h.call(t, { callee: `+55213000${String(201 + i).padStart(4, '0')}`, billSec: i % 2 === 0 ? 0 : 4 }),
    );
    assert.equal(alertsOf(h.feed(...quick)).length, 1);
  });

  it('counts inbound calls to consecutive DIDs of a company as nothing (outbound rules only; held-out defect b)', () => {
    const h = harness({ only: ['sequential-dialling'] });
    const inbound = enumerate(h, [1, 2, 3, 4, 5, 6]).map((c) => ({ ...c, direction: 'inbound' as const }));
    assert.deepEqual(h.feed(...inbound), []);
  });

  it('counts short and unanswered attempts alike, and finds the run when CDRs arrive out of order', () => {
    const h = harness({ only: ['sequential-dialling'] });
    const calls = enumerate(h, [1, 2, 3, 4, 5]).reverse();
    assert.equal(alertsOf(h.feed(...calls)).length, 1);
  });

  it('ignores ordinary traffic: repeated calls to one number, scattered numbers, runs spread over more than 10 min', () => {
    const h = harness({ only: ['sequential-dialling'] });
    assert.deepEqual(h.feed(...enumerate(h, [5, 5, 5, 5, 5, 5])), []);
    assert.deepEqual(h.feed(...enumerate(h, [1000, 2000, 1500, 3200, 4100, 9100], 20, '2026-03-02T11:00:00-03:00')), []);
    assert.deepEqual(h.feed(...enumerate(h, [1, 2, 3, 4, 5], 150, '2026-03-02T12:00:00-03:00')), []);
  });

  it('longestRun: steps of 1..maxStep in one direction, repeats neither extend nor break', () => {
    assert.deepEqual(longestRun([1, 2, 2, 4, 5, 3], 10)?.indices, [0, 1, 3, 4]);
    assert.equal(longestRun([1, 50, 99], 10)?.indices.length, 1);
    assert.equal(longestRun([9, 8, 7, 1], 2)?.direction, 'descending');
  });
});
