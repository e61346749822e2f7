import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { alertsOf, blocksOf, harness, series } from './harness.js';

const RANGE_RULES = ['irsf-test-call', 'irsf-test-call-risk', 'range-pumping-caller', 'range-pumping-account'];
/** A German mobile number of range +4917 (on no shipped list). */
const german = (i: number) => `+4917${String(10_000_000 + i * 7_919).padStart(8, '0')}`;
/** A Kenyan mobile number of range +2547 (Kenya is on the risk-only list: risk, not premium). */
const kenya = (i: number) => `+2547${String(10_000_000 + i * 7_919).padStart(8, '0')}`;

describe('single-account pumping (G2, F4)', () => {
  it('blocks an account whose two extensions place 40 answered 1-3 s calls to 40 numbers of one range in 10 min', () => {
    const h = harness({ only: RANGE_RULES });
    const calls = series('2026-03-03T02:00:00-03:00', 40, 15, (at, i) =>
      h.call(at, { caller: i % 2 === 0 ? '+551130001000' : '+551130001001', callee: german(i), billSec: 1 + (i % 3) }),
    );
    const verdicts = h.feed(...calls);
    const [first] = blocksOf(verdicts);
    // the account's two callers reach 16 distinct short answered numbers first (16th call), each caller alone 12 later
    assert.equal(first?.rule, 'range-pumping-account');
    assert.deepEqual(first?.subject, { kind: 'account', value: 'sales' });
    assert.equal(first?.scope, 'international');
    assert.deepEqual(first?.evidence.at(-1), calls[15]?.id);
    const alert = alertsOf(verdicts, 'range-pumping-account').find((a) => a.severity === 'critical');
    assert.equal(alert?.details['range'], '+4917');
    assert.equal(alert?.details['distinct'], 16);
    assert.equal(alert?.details['rangeRisk'], 'international');
    assert.deepEqual(
      blocksOf(verdicts, 'range-pumping-caller').map((b) => b.subject.value),
      ['+551130001000', '+551130001001'],
    );
  });

  it('weighs a listed range double: a caller is blocked at its 6th short call to an observed IRSF range', () => {
    const h = harness({ only: ['range-pumping-caller'] });
    const calls = series('2026-03-03T02:00:00-03:00', 10, 20, (at, i) => h.call(at, { callee: `+29171${String(100_000 + i * 37)}`, billSec: 2 }));
    const verdicts = h.feed(...calls);
    const [block] = blocksOf(verdicts);
    assert.deepEqual(block?.evidence.at(-1), calls[5]?.id);
    assert.equal(alertsOf(verdicts).find((a) => a.severity === 'critical')?.details['rangeRisk'], 'listed');
  });

  it('weighs an expensive range by its cost per minute (CDR cost, until the rate table fills ratePerMinute)', () => {
    const h = harness({ only: ['range-pumping-caller'] });
    // R$ 0.20 for 3 s: R$ 4 a minute, at or above the rule's 3: weight 2
    const calls = series('2026-03-03T02:00:00-03:00', 8, 20, (at, i) => h.call(at, { callee: german(i), billSec: 3, cost: 0.2 }));
    const [block] = blocksOf(h.feed(...calls));
    assert.deepEqual(block?.evidence.at(-1), calls[5]?.id);
  });

  it('counts unanswered probes at a quarter and a redialled number once', () => {
    const h = harness({ only: ['range-pumping-caller'] });
    const probes = series('2026-03-03T02:00:00-03:00', 40, 20, (at, i) => h.call(at, { callee: german(i), billSec: 0 }));
    const redials = series('2026-03-03T04:00:00-03:00', 30, 20, (at) => h.call(at, { callee: german(1), billSec: 2 }));
    const verdicts = h.feed(...probes, ...redials);
    assert.deepEqual(blocksOf(verdicts), []);
    // 40 unanswered numbers in 13 min: 10 points, a warning only
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.severity, a.details['score']]),
      [['warn', 6]],
    );
  });

  it('stays quiet on a sales team working a foreign list: many numbers, but people talk on a third of the answered calls', () => {
    const h = harness({ only: RANGE_RULES });
    const calls = series('2026-03-03T10:00:00-03:00', 120, 15, (at, i) =>
      h.call(at, {
        caller: `+55113000${2000 + (i % 8)}`,
        callee: `+3519${String(10_000_000 + i * 7_919)}`,
        billSec: i % 3 === 0 ? 90 + i : i % 3 === 1 ? 4 : 0,
      }),
    );
    assert.deepEqual(h.feed(...calls), []);
  });

  it('stays quiet on an expat calling family: one number, short tries then a long call', () => {
    const h = harness({ only: RANGE_RULES });
    const tries = series('2026-03-03T20:00:00-03:00', 6, 40, (at, i) => h.call(at, { callee: '+244923456789', billSec: i < 5 ? (i % 2) * 2 : 1800 }));
    assert.deepEqual(blocksOf(h.feed(...tries)), []);
  });

  it('never fires on one range when every other call is a conversation (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('4917', '2917', '3519', '2547'),
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 99_999 }), gap: fc.integer({ min: 1, max: 120 }), bill: fc.integer({ min: 0, max: 6 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        (range, draws) => {
          const h = harness({ only: ['range-pumping-caller', 'range-pumping-account'] });
          let t = Date.parse('2026-03-03T02:00:00-03:00');
          const calls = draws.map((d, i) => {
            t += d.gap * 1000;
            return h.call(new Date(t).toISOString(), { callee: `+${range}${String(1_000_000 + d.n)}`, billSec: i % 2 === 1 ? 120 : Math.max(1, d.bill) });
          });
          // any window of 3 or more calls is at most two thirds short: never 80 %
          return h.feed(...calls).length === 0;
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('IRSF test calls (F4, G3)', () => {
  /** A familiar account: it has called for days before the attack. */
  const familiar = (h: ReturnType<typeof harness>) => h.feed(h.call('2026-03-01T10:00:00-03:00'), h.call('2026-03-02T10:00:00-03:00'));

  it('warns on a short first call to a country, then blocks the burst to that range at its 4th call an hour later', () => {
    const h = harness({ only: RANGE_RULES });
    familiar(h);
    const test = h.call('2026-03-03T01:00:00-03:00', { callee: german(0), billSec: 4 });
    const [warn] = h.feed(test);
    assert.equal(warn?.rule, 'irsf-test-call');
    assert.equal(warn?.kind === 'alert' && warn.severity, 'warn');
    assert.deepEqual(warn?.subject, { kind: 'destPrefix', value: '+4917' });
    assert.equal(h.engine.hotRanges(test.startedAt, 'acme')[0]?.prefix, '+4917');
    const burst = series('2026-03-03T02:00:00-03:00', 36, 20, (at, i) => h.call(at, { callee: german(i + 1), billSec: 2 }));
    const verdicts = h.feed(...burst);
    const [block] = blocksOf(verdicts, 'range-pumping-caller');
    assert.deepEqual(block?.evidence.at(-1), burst[3]?.id);
    const alert = alertsOf(verdicts, 'range-pumping-caller').find((a) => a.severity === 'critical');
    assert.equal(alert?.details['rangeRisk'], 'hot');
    assert.match(String(alert?.details['hotSource']), /^irsf-test-call alert at 2026-03-03T04:00:00/);
  });

  it('blocks the account at the 3rd number of a hot range however long the calls: a burst of 30-50 s answered calls', () => {
    const h = harness({ only: [...RANGE_RULES, 'irsf-hot-range-burst'] });
    familiar(h);
    h.feed(h.call('2026-03-03T01:00:00-03:00', { callee: german(0), billSec: 6 }));
    const burst = series('2026-03-03T02:00:00-03:00', 10, 30, (at, i) => h.call(at, { callee: german(i + 1), billSec: 30 + (i % 3) * 10 }));
    const verdicts = h.feed(...burst);
    assert.deepEqual(blocksOf(verdicts, 'range-pumping-caller'), [], 'the range score reads 30 s calls as conversations');
    const [block] = blocksOf(verdicts, 'irsf-hot-range-burst');
    assert.deepEqual(block?.subject, { kind: 'account', value: burst[0]?.account });
    assert.equal(block?.scope, 'international');
    assert.deepEqual(block?.evidence.at(-1), burst[2]?.id);
  });

  it('leaves an expat alone: a short first call to family abroad, then the same number again and again', () => {
    const h = harness({ only: [...RANGE_RULES, 'irsf-hot-range-burst'] });
    familiar(h);
    const calls = series('2026-03-03T19:00:00-03:00', 6, 600, (at, i) => h.call(at, { callee: german(0), billSec: i === 0 ? 5 : 900 }));
    assert.deepEqual(blocksOf(h.feed(...calls)), []);
  });

  it('forgets the test call after 24 h: the same burst then needs the ordinary 12 numbers', () => {
    const h = harness({ only: RANGE_RULES });
    familiar(h);
    h.feed(h.call('2026-03-03T01:00:00-03:00', { callee: german(0), billSec: 4 }));
    const burst = series('2026-03-04T02:00:00-03:00', 20, 20, (at, i) => h.call(at, { callee: german(i + 1), billSec: 2 }));
    const [block] = blocksOf(h.feed(...burst), 'range-pumping-caller');
    assert.deepEqual(block?.evidence.at(-1), burst[11]?.id);
  });

  it('warns on a short call to a risk-listed country even from a new account, and not on a long first call', () => {
    const h = harness({ only: ['irsf-test-call', 'irsf-test-call-risk'] });
    const [warn] = h.feed(h.call('2026-03-03T01:00:00-03:00', { callee: '+2237612345', billSec: 3 }));
    assert.equal(warn?.rule, 'irsf-test-call-risk');
    assert.deepEqual(warn?.subject, { kind: 'destPrefix', value: '+2237' });
    familiar(h);
    assert.deepEqual(h.feed(h.call('2026-03-05T10:00:00-03:00', { callee: '+4915112345678', billSec: 600 })), []);
  });

  it('takes hot ranges given to the engine (confirmed attacks) for the tenant until they expire', () => {
    const h = harness({ only: ['range-pumping-caller'] });
    const at = Date.parse('2026-03-03T02:00:00-03:00');
    h.engine.addHotRanges([{ tenant: 'acme', prefix: '+2547', source: 'alert 1234 confirmed', expiresAt: at + 3_600_000 }]);
    h.engine.addHotRanges([{ tenant: 'other', prefix: '2376', source: 'alert 99 confirmed', expiresAt: at + 3_600_000 }]);
    const calls = series('2026-03-03T02:00:00-03:00', 5, 20, (t, i) => h.call(t, { callee: kenya(i), billSec: 2 }));
    const [block] = blocksOf(h.feed(...calls));
    assert.deepEqual(block?.evidence.at(-1), calls[3]?.id);
    assert.deepEqual(
      h.engine.hotRanges(at).map((r) => [r.tenant, r.prefix]),
      [
        ['acme', '+2547'],
        ['other', '+2376'],
      ],
    );
    assert.deepEqual(h.engine.hotRanges(at + 3_600_000), []);
  });
});
