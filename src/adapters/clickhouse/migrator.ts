import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { SentinelaError } from '../../errors.js';
import { ident, storeError } from './client.js';
import { migrationStatements } from './cluster-ddl.js';
import type { MigrationFile } from './migrations.js';
import { insertRows } from './queries.js';
import { isSharded, onCluster, SINGLE_NODE, storageTable, type Topology } from './topology.js';

export interface MigrateOptions {
  readonly database: string;
  /** TTL in days for cdrs and rejected_cdrs; 0 removes it. */
  readonly retentionDays: number;
  readonly migrations: readonly MigrationFile[];
  /** A single node (default: chDB or one server) or a cluster (CLICKHOUSE_CLUSTER): README "Scale-out". */
  readonly topology?: Topology;
  readonly log?: Logger;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
  readonly retention: readonly string[];
}

/** Tables with a retention TTL, and the event-time column it counts from. */
const RETENTION = [
  { table: 'cdrs', column: 'started_at' },
  { table: 'rejected_cdrs', column: 'received_at' },
  { table: 'signalling_events', column: 'at' },
] as const;

/**
 * A migration statement may run for minutes (010's backfill reads every stored CDR). The server sends progress
 * headers every 10 s meanwhile, so the client's 30 s socket timeout (client.ts) does not give up on a statement the
 * server still runs. Its query_id is the same on every run: a `migrate` started again while an earlier one's
 * statement still runs (its client killed or cut off) is refused by the server (QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING)
 * instead of running the backfill again into a rollup still empty. chDB runs in-process and ignores both.
 */
export const LONG_STATEMENT = { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '10000' } as const;
export const statementId = (database: string, file: string, n: number): string => `sentinela-migrate-${database}-${file}-${n}`;

/** The bookkeeping table, written like a migration so a cluster gets it replicated on every node. */
const SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS {{db}}.schema_migrations
     (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = ReplacingMergeTree ORDER BY version`;

/**
 * Applies pending migrations in version order and records each in `schema_migrations`. Re-running is a no-op;
 * an applied migration whose file changed (checksum) or disappeared stops everything before any change.
 */
export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrationReport> {
  const db = ident(options.database);
  const topology = options.topology ?? SINGLE_NODE;
  if (topology.kind === 'cluster') await refuseSingleNodeTables(client, options.database);
  await run(client, `CREATE DATABASE IF NOT EXISTS ${db}${onCluster(topology)}`);
  for (const statement of migrationStatements(SCHEMA_MIGRATIONS, options.database, topology, 'schema_migrations')) await run(client, statement);
  const applied = await appliedMigrations(client, db);
  const byVersion = new Map(options.migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      throw new SentinelaError('MIGRATION_FILE_INVALID', `migration ${row.version} (${row.name}) is applied but its file is missing`, {
        path: `${String(row.version).padStart(3, '0')}_${row.name}.sql`,
      });
    }
    if (file.checksum !== row.checksum) {
      throw new SentinelaError(
        'MIGRATION_CHECKSUM_MISMATCH',
        `${file.file} was changed after it was applied (checksum ${row.checksum.slice(0, 12)} applied, ${file.checksum.slice(0, 12)} now); add a new migration instead`,
        { path: file.file },
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  const newlyApplied: string[] = [];
  for (const migration of options.migrations) {
    if (done.has(migration.version)) continue;
    options.log?.info({ migration: migration.file }, 'applying migration');
    for (const [n, statement] of migrationStatements(migration.sql, options.database, topology, migration.file).entries()) {
      await run(client, statement, 'MIGRATION_FAILED', migration.file, statementId(options.database, migration.file, n));
    }
    const record = { version: migration.version, name: migration.name, checksum: migration.checksum };
    await insertRows(client, `${db}.schema_migrations`, [record], 'none');
    newlyApplied.push(migration.file);
  }
  const retention = await reconcileRetention(client, options.database, options.retentionDays, topology);
  return { applied: newlyApplied, alreadyApplied: done.size, retention };
}

async function appliedMigrations(client: ClickHouseClient, db: string): Promise<{ version: number; name: string; checksum: string }[]> {
  try {
    const result = await client.query({
      query: `SELECT version, name, checksum FROM ${db}.schema_migrations FINAL ORDER BY version`,
      format: 'JSONEachRow',
    });
    return await result.json<{ version: number; name: string; checksum: string }>();
  } catch (err) {
    throw storeError(err);
  }
}

/**
 * Sets, changes or removes the TTL of each retention table so it matches CDR_RETENTION_DAYS. On a cluster the TTL
 * belongs to the table holding the rows (cdrs_local, ...) on every shard; a Distributed table has none.
 */
async function reconcileRetention(client: ClickHouseClient, database: string, days: number, topology: Topology): Promise<string[]> {
  const changes: string[] = [];
  for (const { table, column } of RETENTION) {
    const storage = storageTable(table, topology);
    const result = await client.query({
      query: 'SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {table:String}',
      query_params: { db: database, table: storage },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ engine_full: string }>();
    if (!row) continue;
    const current = /TTL .*toIntervalDay\((\d+)\)/.exec(row.engine_full)?.[1];
    const currentDays = current === undefined ? 0 : Number(current);
    if (currentDays === days) continue;
    const target = `${ident(database)}.${ident(storage)}${onCluster(topology)}`;
    if (days === 0) {
      await run(client, `ALTER TABLE ${target} REMOVE TTL`);
      changes.push(`${table}: retention removed (was ${currentDays} days)`);
    } else {
      await run(client, `ALTER TABLE ${target} MODIFY TTL toDateTime(${column}) + toIntervalDay(${days})`);
      changes.push(`${table}: retention ${currentDays === 0 ? 'set to' : `changed from ${currentDays} to`} ${days} days`);
    }
  }
  return changes;
}

/**
 * A database made on a single node cannot become a cluster one by migrating it again: IF NOT EXISTS would keep its
 * non-replicated tables under the names Sentinela reads and writes. Stop before any change instead.
 */
async function refuseSingleNodeTables(client: ClickHouseClient, database: string): Promise<void> {
  let tables: { name: string; engine: string }[];
  try {
    const result = await client.query({
      query: 'SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name',
      query_params: { db: database },
      format: 'JSONEachRow',
    });
    tables = await result.json<{ name: string; engine: string }>();
  } catch (err) {
    throw storeError(err);
  }
  const wrong = tables.filter(({ name, engine }) =>
    isSharded(name) ? engine !== 'Distributed' : engine.endsWith('MergeTree') && !engine.startsWith('Replicated'),
  );
  if (wrong.length > 0) {
    const listed = wrong.map(({ name, engine }) => `${name} (${engine})`).join(', ');
    throw new SentinelaError(
      'MIGRATION_FAILED',
      `database ${database} holds single-node tables: ${listed}; cluster mode needs a database created in cluster mode (README "Scale-out on a ClickHouse cluster")`,
      { path: 'CLICKHOUSE_CLUSTER' },
    );
  }
}

async function run(
  client: ClickHouseClient,
  query: string,
  code: 'STORE_QUERY_FAILED' | 'MIGRATION_FAILED' = 'STORE_QUERY_FAILED',
  file?: string,
  queryId?: string,
): Promise<void> {
  try {
    await client.command(queryId === undefined ? { query } : { query, query_id: queryId, clickhouse_settings: LONG_STATEMENT });
  } catch (err) {
    throw storeError(err, code, file);
  }
}
