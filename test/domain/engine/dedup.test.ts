import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CallDedup, type Seen } from '../../../src/domain/engine/dedup.js';

/** What CallDedup answered before it kept hashes: per tenant, call id (else id) → the counted leg's id. */
class Reference {
  private readonly calls = new Map<string, string>();
  private readonly order: { key: string; tenant: string; t: number }[] = [];

  see(tenant: string, id: string, callId: string | undefined, t: number): Seen {
    const key = `${tenant}\u0000${callId ?? id}`;
    const counted = this.calls.get(key);
    if (counted !== undefined) return counted === id ? 'duplicate' : 'leg';
    this.calls.set(key, id);
    this.order.push({ key, tenant, t });
    return 'new';
  }

  trim(horizonOf: (tenant: string) => number): void {
    while (this.order.length > 0 && (this.order[0]?.t as number) < horizonOf(this.order[0]?.tenant as string)) {
      this.calls.delete(this.order.shift()?.key as string);
    }
  }

  get size(): number {
    return this.calls.size;
  }
}

// few tenants, ids and call ids, so that repeats, legs and ids equal to another CDR's call id all happen
const step = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('see' as const),
      tenant: fc.constantFrom('t1', 't2', 'tenant-3'),
      id: fc.integer({ min: 0, max: 60 }).map((i) => `cdr-${i}`),
      callId: fc.option(
        fc.integer({ min: 0, max: 30 }).map((i) => (i % 7 === 0 ? `cdr-${i}` : `call-${i}@10.0.0.${i % 3}`)),
        { nil: undefined },
      ),
      t: fc.integer({ min: 0, max: 1000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('trim' as const), horizons: fc.array(fc.integer({ min: 0, max: 1100 }), { minLength: 3, maxLength: 3 }) }),
  },
);

describe('CallDedup (hashes in typed arrays, issue 19: memory of the lateness horizon)', () => {
  it('property: answers and forgets as a map of every counted call does', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
        const dedup = new CallDedup(4); // a tiny table: probes wrap around, the table and ring grow and shrink
        const reference = new Reference();
        const tenants = ['t1', 't2', 'tenant-3'];
        for (const s of steps) {
          if (s.op === 'see') {
            assert.equal(dedup.see(s.tenant, s.id, s.callId, s.t), reference.see(s.tenant, s.id, s.callId, s.t));
          } else {
            // a horizon per tenant, as the engine's (each tenant is its own stream)
            const horizonOf = (tenant: string) => s.horizons[tenants.indexOf(tenant)] as number;
            dedup.trim(horizonOf);
            reference.trim(horizonOf);
          }
          assert.equal(dedup.size, reference.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds and forgets far more calls than its first table and ring (grows, deletes in place, shrinks back)', () => {
    const dedup = new CallDedup();
    const n = 50_000;
    for (let i = 0; i < n; i++) assert.equal(dedup.see(`t${i % 7}`, `id-${i}`, `call-${i}`, i), 'new');
    assert.equal(dedup.size, n);
    for (let i = 0; i < n; i += 97) {
      assert.equal(dedup.see(`t${i % 7}`, `id-${i}`, `call-${i}`, i), 'duplicate');
      assert.equal(dedup.see(`t${i % 7}`, `other-leg-${i}`, `call-${i}`, i), 'leg');
      // the same call id in another tenant is another call
      assert.equal(dedup.see(`x${i}`, `id-${i}`, `call-${i}`, n + i), 'new');
    }
    dedup.trim(() => n - 10); // forgets all but the last 10 of the first pass (the x-tenants' calls are newer)
    assert.equal(dedup.size, Math.ceil(n / 97) + 10);
    for (let i = n - 10; i < n; i++) assert.equal(dedup.see(`t${i % 7}`, `id-${i}`, `call-${i}`, i), 'duplicate');
    // a forgotten call is new again (a CDR that old is refused as too late before it gets here)
    assert.equal(dedup.see('t0', 'id-0', 'call-0', 0), 'new');
    dedup.trim(() => Infinity);
    assert.equal(dedup.size, 0);
  });
});
