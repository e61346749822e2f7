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

  async claimAlarm(a: RecordedAlarm): Promise<boolean> {
    const seen = await selectRows<{ n: string }>(this.client, `SELECT count() AS n FROM ${this.db}.alarms WHERE id = {id:String}`, { id: a.id }, 'find alarm');
    if (Number(seen[0]?.n ?? 0) > 0) return false;
    await insertRows(
      this.client,
      `${this.db}.alarms`,
      [{ id: a.id, at: a.at, key: a.key, kind: a.kind, severity: a.severity, title: a.title, details: JSON.stringify(a.details), raised_by: a.raisedBy }],
      'none',
    );
    return true;
  }
}
