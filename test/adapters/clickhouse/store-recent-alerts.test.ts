import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readMigrations } from '../../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../../src/adapters/clickhouse/migrator.js';
import { ClickHouseStore } from '../../../src/adapters/clickhouse/store.js';
import type { Alert } from '../../../src/domain/engine/verdicts.js';
import { alertsOf, harness } from '../../domain/engine/harness.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

const T0 = Date.parse('2026-04-16T10:00:00-03:00');

/** The state rebuild's read of recent alerts: what restores each one's quiet (issue 19's restart property). */
describe('ClickHouseStore.recentAlerts', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrate(ch.client, { database: ch.database, retentionDays: 0, migrations: readMigrations() });
  });
  after(() => ch.drop());

  it('reads back, oldest first, each alert with the start of the call that raised it (older rows without it)', async () => {
    const h = harness({ only: ['velocity-caller'] });
    const issued = alertsOf(
      Array.from({ length: 12 }, (_, i) => h.process(h.call(new Date(T0 + i * 5_000).toISOString(), { callee: `+5511400020${10 + i}` })).verdicts).flat(),
    );
    assert.ok(issued.length > 0, 'the burst raised an alert');
    const older: Alert = { ...(issued[0] as Alert), id: 'older', at: T0 - 60_000, details: { value: 9 } };
    const store = new ClickHouseStore(ch.client, ch.database);
    await store.insertAlerts([...issued, older]);
    const read = await store.recentAlerts(T0 - 3_600_000);
    assert.deepEqual(
      read,
      [older, ...issued].map((a) => ({
        tenant: a.tenant,
        rule: a.rule,
        severity: a.severity,
        subject: a.subject,
        at: a.at,
        details: a.details['callStartedAt'] === undefined ? {} : { callStartedAt: a.details['callStartedAt'] },
      })),
    );
    assert.ok(issued.every((a) => typeof a.details['callStartedAt'] === 'string'));
  });
});
