import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HotRanges, MAX_HOT_PER_TENANT } from '../../../src/domain/engine/hot-ranges.js';

const T0 = Date.parse('2026-03-03T02:00:00-03:00');

describe('hot ranges per tenant (F4, G4)', () => {
  it('finds every unexpired range of the tenant holding a number, longest prefix first', () => {
    const hot = new HotRanges();
    hot.add({ tenant: 'acme', prefix: '+2547', source: 'test call c1', rule: 'irsf-test-call', expiresAt: T0 + 3_600_000 });
    hot.add({ tenant: 'acme', prefix: '254712', source: 'alert 7 confirmed', expiresAt: T0 + 7_200_000 });
    hot.add({ tenant: 'other', prefix: '+2547', source: 'x', expiresAt: T0 + 7_200_000 });
    assert.deepEqual(
      hot.lookup('acme', '+254712345678', T0).map((r) => r.prefix),
      ['+254712', '+2547'],
    );
    assert.deepEqual(
      hot.lookup('acme', '+254712345678', T0 + 3_600_000).map((r) => r.source),
      ['alert 7 confirmed'],
    );
    assert.deepEqual(hot.lookup('acme', '+4930123456', T0), []);
    assert.deepEqual(hot.lookup('nobody', '+254712345678', T0), []);
  });

  it('renews a range marked again by the same rule instead of holding it twice, and ignores a prefix that is not digits', () => {
    const hot = new HotRanges();
    hot.add({ tenant: 'acme', prefix: '+2547', source: 'a', rule: 'irsf-test-call', expiresAt: T0 + 1000 });
    hot.add({ tenant: 'acme', prefix: '+2547', source: 'b', rule: 'irsf-test-call', expiresAt: T0 + 5000 });
    hot.add({ tenant: 'acme', prefix: "+25'; DROP", source: 'c', expiresAt: T0 + 5000 });
    assert.equal(hot.size, 1);
    assert.equal(hot.lookup('acme', '+254700000000', T0 + 2000)[0]?.source, 'b');
  });

  it('stays bounded per tenant and forgets expired ranges on trim (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ p: fc.integer({ min: 10, max: 99_999 }), ttl: fc.integer({ min: 1, max: 100 }) }), { maxLength: 300 }), (adds) => {
        const hot = new HotRanges();
        for (const a of adds) hot.add({ tenant: 'acme', prefix: String(a.p), source: 's', expiresAt: T0 + a.ttl });
        assert.ok(hot.size <= MAX_HOT_PER_TENANT);
        hot.trim(() => T0 + 50);
        for (const r of hot.active(T0)) assert.ok(r.expiresAt > T0 + 50);
        hot.trim(() => T0 + 100);
        assert.equal(hot.size, 0);
      }),
      { numRuns: 50 },
    );
  });

  it('drops the range expiring first beyond the per-tenant bound', () => {
    const hot = new HotRanges();
    for (let i = 0; i <= MAX_HOT_PER_TENANT; i++) hot.add({ tenant: 'acme', prefix: String(100_000 + i), source: 's', expiresAt: T0 + 10_000 + i });
    assert.equal(hot.size, MAX_HOT_PER_TENANT);
    assert.deepEqual(hot.lookup('acme', '+100000123', T0), []);
    assert.equal(hot.lookup('acme', '+100001123', T0).length, 1);
  });
});
