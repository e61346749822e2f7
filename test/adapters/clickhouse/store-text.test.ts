import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readMigrations } from '../../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../../src/adapters/clickhouse/migrator.js';
import { ClickHouseStore } from '../../../src/adapters/clickhouse/store.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

/**
 * Found by the fuzz lane (npm run test:faults): a record `{"id":"\ud800"}` made an error message holding a lone
 * surrogate, which JSONEachRow serialises as an escape ClickHouse refuses; the batch failed on every retry and
 * the pipeline stalled. Text reaches ClickHouse well-formed (the lone surrogate as U+FFFD).
 */
describe('ClickHouseStore text', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrate(ch.client, { database: ch.database, retentionDays: 0, migrations: readMigrations() });
  });
  after(() => ch.drop());

  it('stores a refusal whose message and path quote a lone surrogate', async () => {
    const store = new ClickHouseStore(ch.client, ch.database);
    await store.insertRejected([
      {
        payload: Buffer.from('{"id":"\\ud800x"}'),
        key: null,
        code: 'CDR_INVALID',
        message: 'id: bad value "\ud800x", then "\udc00" alone and a pair "\ud83d\udca5" kept',
        path: '\udfff',
        source: { kind: 'http', topic: 'http', partition: 0, offset: 1, format: 'canonical' },
      },
    ]);
    const rows = await ch.rows<{ error_message: string; error_path: string }>(`SELECT error_message, error_path FROM ${ch.database}.rejected_cdrs`);
    assert.deepEqual(rows, [{ error_message: 'id: bad value "\ufffdx", then "\ufffd" alone and a pair "💥" kept', error_path: '\ufffd' }]);
  });
});
