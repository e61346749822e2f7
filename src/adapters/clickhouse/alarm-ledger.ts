import type { ClickHouseClient } from '@clickhouse/client';
import type { AlarmLedger, RecordedAlarm } from '../../security/alarms.js';
import { ident } from './client.js';
import { insertRows, selectRows } from './queries.js';

/** The `alarms` table (migration 007): alarms raised from alerts, one row per alert id; bound parameters only. */
export class ClickHouseAlarmLedger implements AlarmLedger {
  private readonly db: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.db = ident(database);
  }

  async claimAlarms(alarms: readonly RecordedAlarm[]): Promise<ReadonlySet<string>> {
    const ids = [...new Set(alarms.map((a) => a.id))];
    if (ids.length === 0) return new Set();
    const seen = await selectRows<{ id: string }>(
      this.client,
      `SELECT DISTINCT id FROM ${this.db}.alarms WHERE id IN {ids:Array(String)}`,
      { ids },
      'find alarms',
    );
    const claimed = new Set(ids);
    for (const row of seen) claimed.delete(row.id);
    const rows = new Map(alarms.filter((a) => claimed.has(a.id)).map((a) => [a.id, a]));
    await insertRows(
      this.client,
      `${this.db}.alarms`,
      [...rows.values()].map((a) => ({
        id: a.id,
        at: a.at,
        key: a.key,
        kind: a.kind,
        severity: a.severity,
        title: a.title,
        details: JSON.stringify(a.details),
        raised_by: a.raisedBy,
      })),
      'none',
    );
    return claimed;
  }
}
