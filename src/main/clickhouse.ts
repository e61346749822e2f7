import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { createClickHouseClient } from '../adapters/clickhouse/client.js';
import { readMigrations } from '../adapters/clickhouse/migrations.js';
import { migrate } from '../adapters/clickhouse/migrator.js';
import { topologyOf } from '../adapters/clickhouse/topology.js';
import type { Config } from '../config/config.js';

/** The ClickHouse client of this process (chDB under SENTINELA_DATA_DIR, or a server), migrated when configured. */
export async function openClickHouse(config: Config, log: Logger): Promise<ClickHouseClient> {
  const clickhouse = createClickHouseClient(config.clickhouse);
  if (config.migrateOnStart) {
    await migrate(clickhouse, {
      database: config.clickhouse.database,
      retentionDays: config.clickhouse.retentionDays,
      migrations: readMigrations(),
      topology: topologyOf(config.clickhouse),
      log,
    });
  }
  return clickhouse;
}

/** `sentinela migrate`: applies the migrations of `dir` (default: the bundled ones) and closes the client. */
export async function migrateStore(config: Config, log: Logger, dir?: string): Promise<Awaited<ReturnType<typeof migrate>>> {
  const migrations = readMigrations(dir);
  const clickhouse = createClickHouseClient(config.clickhouse);
  try {
    return await migrate(clickhouse, {
      database: config.clickhouse.database,
      retentionDays: config.clickhouse.retentionDays,
      migrations,
      topology: topologyOf(config.clickhouse),
      log,
    });
  } finally {
    await clickhouse.close();
  }
}
