import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UsageSnapshot } from '../../src/domain/usage/usage-snapshot.js';
import { createLogger } from '../../src/log.js';
import { UsageSaver } from '../../src/pipeline/usage-saver.js';
import { harness } from '../domain/engine/harness.js';

const T0 = Date.parse('2026-04-13T09:00:00-03:00');

describe('UsageSaver (issue 19: a save never holds the event loop for long)', () => {
  it('writes every tenant once, in groups of about `rowsPerWrite` profile rows, captured while calls go on', async () => {
    const h = harness({ only: ['velocity-ip'] });
    // 12 tenants of different sizes
    for (let i = 0; i < 400; i++) {
      const tenant = `t${i % 12}`;
      const fields = { tenant, account: `a${i % 5}`, caller: `+551130${String(100_000 + (i % (5 + (i % 12) * 3)))}`, srcIp: `200.160.9.${i % 7}` };
      h.process(h.call(new Date(T0 + i * 20_000).toISOString(), { ...fields, direction: 'outbound' }));
    }
    const expected = h.engine.usageSnapshots();
    const groups: UsageSnapshot[][] = [];
    let now = 0;
    const saver = new UsageSaver({
      store: { saveUsage: async (snapshots) => void groups.push([...snapshots]) },
      log: createLogger('silent'),
      backoff: { initialMs: 1, maxMs: 1 },
      now: () => now,
      everyMs: 1,
      rowsPerWrite: 20,
    });
    saver.due(h.engine); // starts the interval
    now = 2;
    saver.due(h.engine);
    // a call learned after the save began is not in it (it ends after its `through`)
    h.process(h.call(new Date(T0 + 400 * 20_000).toISOString(), { tenant: 't0', caller: '+5511999990000', direction: 'outbound' }));
    for (let turns = 0; groups.flat().length < expected.length; turns++) {
      assert.ok(turns < 1000, 'the save never finished');
      await new Promise((r) => setImmediate(r));
    }
    const interval = groups;
    const rows = (s: UsageSnapshot) => s.ips.length + s.accounts.length + s.callers.length + s.levels.length;
    assert.ok(interval.length > 3, `${interval.length} writes`);
    for (const group of interval) {
      // a group closes once it holds the bound; a tenant is never split
      const before = group.slice(0, -1).reduce((n, s) => n + rows(s), 0);
      assert.ok(before < 20, `a group went on past the bound: ${group.map(rows).join(', ')}`);
    }
    assert.deepEqual(
      interval.flat().map((s) => s.tenant),
      expected.map((s) => s.tenant),
    );
    assert.deepEqual(interval.flat(), expected);
  });
});
