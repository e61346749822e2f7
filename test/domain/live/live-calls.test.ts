import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LiveCalls } from '../../../src/domain/live/live-calls.js';

const T0 = Date.parse('2026-03-02T15:00:00-03:00');
const HOUR = 3_600_000;
const open = (live: LiveCalls, n: number, o: { callId?: string; at?: number; callee?: string; international?: boolean } = {}) =>
  live.add({
    tenant: 'acme',
    account: 'sales',
    caller: `+55113000100${n}`,
    callee: o.callee ?? `+35121123456${n}`,
    callId: o.callId,
    international: o.international ?? true,
    openedAt: o.at ?? T0,
  });

describe('live calls (issue 16: a block-check opens a call, its CDR closes it)', () => {
  it('closes a call by its SIP Call-ID, whatever the CDR says about the numbers', () => {
    const live = new LiveCalls({ maxAgeMs: 4 * HOUR, toleranceMs: 60_000 });
    open(live, 1, { callId: 'abc@pbx' });
    assert.deepEqual(live.of('acme', 'sales'), { all: 1, international: 1 });
    const closed = live.close({ tenant: 'acme', caller: 'x', callee: 'y', startedAt: T0 + 2 * HOUR, callId: 'abc@pbx' }, T0 + 2 * HOUR);
    assert.equal(closed?.caller, '+551130001001');
    assert.deepEqual(live.of('acme', 'sales'), { all: 0, international: 0 });
  });

  it('without a Call-ID, closes the call of the same numbers checked nearest to the CDR start, within the tolerance', () => {
    const live = new LiveCalls({ maxAgeMs: 4 * HOUR, toleranceMs: 60_000 });
    open(live, 1, { at: T0, callee: '+351211234567' });
    open(live, 1, { at: T0 + 10 * 60_000, callee: '+351211234567' });
    const end = { tenant: 'acme', caller: '+551130001001', callee: '+351211234567' };
    assert.equal(live.close({ ...end, startedAt: T0 + 5 * 60_000 }, T0 + HOUR), undefined, '5 min from either check: not this call');
    assert.equal(live.counts.unmatched, 1);
    assert.equal(live.close({ ...end, startedAt: T0 + 10 * 60_000 + 2_000 }, T0 + HOUR)?.openedAt, T0 + 10 * 60_000);
    assert.equal(live.close({ ...end, startedAt: T0 - 30_000 }, T0 + HOUR)?.openedAt, T0);
    assert.equal(live.size, 0);
    assert.equal(live.close({ ...end, tenant: 'other', startedAt: T0 }, T0 + HOUR), undefined, 'another tenant never closes it');
  });

  it('forgets a call whose CDR never came after the bound, and holds at most maxOpen calls', () => {
    const live = new LiveCalls({ maxAgeMs: 4 * HOUR, toleranceMs: 60_000, maxOpen: 3 });
    open(live, 1, { at: T0 });
    open(live, 2, { at: T0 + HOUR });
    live.expire(T0 + 4 * HOUR);
    assert.equal(live.size, 1);
    assert.equal(live.counts.expired, 1);
    for (let i = 3; i < 7; i++) open(live, i, { at: T0 + 2 * HOUR });
    assert.equal(live.size, 3);
    assert.deepEqual(live.of('acme', 'sales'), { all: 3, international: 3 });
    assert.deepEqual([...live.perTenant()], [['acme', 3]]);
  });

  it('property: counts equal the calls opened and not yet closed or expired, in any order of CDRs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 1_000 }), (calls, seed) => {
        const live = new LiveCalls({ maxAgeMs: 4 * HOUR, toleranceMs: 1_000 });
        calls.forEach(([intl, withId], i) => open(live, i, { at: T0 + i * 5_000, international: intl, ...(withId ? { callId: `c${i}` } : {}) }));
        const order = calls.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101));
        const half = order.slice(0, Math.floor(order.length / 2));
        for (const i of half) {
          const [, withId] = calls[i] as [boolean, boolean];
          const end = { tenant: 'acme', caller: `+55113000100${i}`, callee: `+35121123456${i}`, startedAt: T0 + i * 5_000 };
          assert.ok(live.close(withId ? { ...end, callId: `c${i}` } : end, T0 + HOUR));
        }
        const left = calls.filter((_, i) => !half.includes(i));
        assert.deepEqual(
          live.of('acme', 'sales'),
          left.length === 0 ? { all: 0, international: 0 } : { all: left.length, international: left.filter(([intl]) => intl).length },
        );
      }),
    );
  });
});
