import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ClickHouseSecurityStore } from '../../src/adapters/clickhouse/security-store.js';
import { SentinelaError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { AuditTrail } from '../../src/security/audit-trail.js';
import type { SecurityStore } from '../../src/security/ports.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { migrated } from '../processor/rig.js';

const KEY = Buffer.from('test-audit-key-0123456789abcdef-0123456789');
const T0 = Date.parse('2026-12-03T09:00:00-03:00');

describe('AuditTrail: the store away (chDB)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('a write while the store is away fails that write only: no unhandled rejection (it ended the process), and the chain continues intact', async () => {
    const real = new ClickHouseSecurityStore(ch.client, ch.database);
    let away = false;
    // the embedded pipeline child restarting: every store call is refused until it is back
    const store = new Proxy(real, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (away) return Promise.reject(new SentinelaError('STORE_UNAVAILABLE', 'the pipeline process is not running (injected)'));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as SecurityStore;
    const trail = new AuditTrail({ store, key: KEY, chain: 'api:away', clock: () => T0, log: createLogger('silent'), quota: 1_000_000 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const record = (i: number) => trail.record({ type: 'cli.command', actor: 'os:test', ip: 'local', result: 'success', details: { i } });
      await record(1);
      away = true;
      await assert.rejects(record(2), { code: 'STORE_UNAVAILABLE' });
      await assert.rejects(record(3), { code: 'STORE_UNAVAILABLE' });
      await tick();
      away = false;
      await record(4);
      await tick();
      assert.deepEqual(unhandled, []);
      const rows = await ch.rows<{ seq: string }>(`SELECT seq FROM ${ch.database}.audit_log WHERE chain = 'api:away' ORDER BY seq`);
      assert.deepEqual(
        rows.map((r) => Number(r.seq)),
        [1, 2],
        'the record after the outage chains to the last one stored',
      );
      const own = (await trail.verify('full')).chains.find((c) => c.chain === 'api:away');
      assert.equal(own?.ok, true, JSON.stringify(own));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
