import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Cdr } from '../../../src/domain/cdr/contract.js';
import type { UsageSnapshot } from '../../../src/domain/usage/usage-snapshot.js';
import { harness } from '../engine/harness.js';

const T0 = Date.parse('2026-04-13T09:00:00-03:00');

/** A snapshot's rows in key order: a capture taken in slices meets subjects in another order, the content is the same. */
function canonical(snapshots: readonly UsageSnapshot[]): unknown {
  const byKey = (rows: readonly unknown[]) => [...rows].map((r) => JSON.stringify(r)).sort();
  return [...snapshots]
    .sort((a, b) => a.tenant.localeCompare(b.tenant))
    .map((s) => ({
      ...s,
      ips: byKey(s.ips),
      accounts: byKey(s.accounts),
      callers: byKey(s.callers),
      levels: byKey(s.levels),
      tainted: byKey(s.tainted ?? []),
      networks: byKey(s.networks ?? []),
    }));
}

// a small world, so calls return to the same subjects: two tenants, a few accounts, callers, addresses and countries
const call = fc.record({
  tenant: fc.constantFrom('acme', 'bravo'),
  account: fc.integer({ min: 0, max: 3 }),
  caller: fc.integer({ min: 0, max: 8 }),
  ip: fc.integer({ min: 0, max: 4 }),
  callee: fc.constantFrom('+551130002000', '+5521987654321', '+12015550123', '+442079460000', '+5511961234567'),
  gapSec: fc.integer({ min: 1, max: 900 }),
  billSec: fc.integer({ min: 0, max: 600 }),
});

describe('usage profiles snapshotted a slice at a time (issue 19: no stall of the processor every 5 minutes)', () => {
  it('property: a capture stepped while calls go on being learned gives the snapshot of the moment it began, and changes nothing learned', () => {
    fc.assert(
      fc.property(
        fc.array(call, { minLength: 2, maxLength: 80 }),
        fc.integer({ min: 0, max: 79 }),
        fc.integer({ min: 1, max: 7 }),
        // a full book makes room in the middle of a call, finishing the capture first
        fc.option(fc.integer({ min: 2, max: 6 }), { nil: undefined }),
        (calls, cut, budget, maxUsageSubjects) => {
          const at = Math.min(cut, calls.length - 1);
          const whole = harness(maxUsageSubjects === undefined ? {} : { maxUsageSubjects });
          const sliced = harness(maxUsageSubjects === undefined ? {} : { maxUsageSubjects });
          let t = T0;
          const cdrs: [Cdr, Cdr][] = calls.map((c) => {
            t += c.gapSec * 1000;
            const fields = {
              tenant: c.tenant,
              account: `a${c.account}`,
              caller: `+5511300010${String(c.caller).padStart(2, '0')}`,
              srcIp: `200.160.9.${c.ip}`,
              callee: c.callee,
              billSec: c.billSec,
              direction: 'outbound' as const,
            };
            const iso = new Date(t).toISOString();
            return [whole.call(iso, fields), sliced.call(iso, fields)];
          });
          cdrs.slice(0, at).forEach(([a, b]) => {
            whole.process(a);
            sliced.process(b);
          });
          const expected = whole.engine.usageSnapshots();
          const capture = sliced.engine.beginUsageSnapshot();
          let got: UsageSnapshot[] | undefined;
          for (const [a, b] of cdrs.slice(at)) {
            whole.process(a);
            sliced.process(b);
            got ??= capture.step(budget);
          }
          got ??= capture.step(Infinity);
          assert.deepEqual(canonical(got as UsageSnapshot[]), canonical(expected));
          // and the engine that was captured learned exactly what the other did
          assert.deepEqual(canonical(sliced.engine.usageSnapshots()), canonical(whole.engine.usageSnapshots()));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('taken in one step it is the synchronous snapshot, rows in the same order', () => {
    const h = harness();
    for (let i = 0; i < 60; i++) {
      h.process(
        h.call(new Date(T0 + i * 47_000).toISOString(), {
          account: `a${i % 3}`,
          caller: `+55113001${String(1000 + (i % 7))}`,
          srcIp: `200.160.9.${i % 4}`,
          direction: 'outbound',
        }),
      );
    }
    const sync = h.engine.usageSnapshots();
    assert.ok(sync[0] !== undefined && sync[0].callers.length === 7 && sync[0].levels.length > 0);
    assert.deepEqual(h.engine.beginUsageSnapshot().step(Infinity), sync);
  });
});
