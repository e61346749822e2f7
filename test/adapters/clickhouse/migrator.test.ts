import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { ident } from '../../../src/adapters/clickhouse/client.js';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from '../../../src/adapters/clickhouse/migrations.js';
import { LONG_STATEMENT, migrate, statementId } from '../../../src/adapters/clickhouse/migrator.js';
import { splitStatements } from '../../../src/adapters/clickhouse/sql-statements.js';
import { migrationStatements } from '../../../src/adapters/clickhouse/cluster-ddl.js';
import { SINGLE_NODE } from '../../../src/adapters/clickhouse/topology.js';
import { SentinelaError } from '../../../src/errors.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

type CommandParams = Parameters<ClickHouseClient['command']>[0];

/** The real client, with every DDL statement it is asked to run written down (and how it was sent). */
function recording(client: ClickHouseClient): { client: ClickHouseClient; commands: string[]; sent: CommandParams[] } {
  const commands: string[] = [];
  const sent: CommandParams[] = [];
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'command') {
        return (params: CommandParams) => {
          commands.push(params.query);
          sent.push(params);
          return target.command(params);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client: proxy, commands, sent };
}

describe('migrate (chDB, or CLICKHOUSE_URL)', () => {
  let ch: TestClickHouse;
  beforeEach(async () => {
    ch = await createTestDatabase();
  });
  afterEach(() => ch.drop());

  const run = (migrations = readMigrations(), retentionDays = 400) => migrate(ch.client, { database: ch.database, retentionDays, migrations });

  it('creates every table of the schema and records the migrations', async () => {
    const report = await run();
    assert.deepEqual(report.applied, [
      '001_initial_schema.sql',
      '002_stream_processor.sql',
      '003_block_check_api.sql',
      '004_security.sql',
      '005_usage_profiles.sql',
      '006_security_shared_state.sql',
      '007_alarm_ledger_audit_checkpoints.sql',
      '008_hotlists.sql',
      '009_block_throttle.sql',
      '010_rollups.sql',
      '011_signalling_events.sql',
    ]);
    const tables = await ch.rows<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name', {
      db: ch.database,
    });
    assert.deepEqual(
      tables.map((t) => t.name),
      [
        'access_bars',
        'alarms',
        'alert_stats_hour',
        'alert_stats_hour_mv',
        'alert_stats_minute',
        'alert_stats_minute_mv',
        'alerts',
        'api_keys',
        'audit_anchors',
        'audit_checkpoints',
        'audit_log',
        'audit_settings',
        'block_stats_hour_mv',
        'block_stats_minute_mv',
        'blocks',
        'cdrs',
        'cdrs_dedup',
        'decisions_hour',
        'decisions_hour_mv',
        'decisions_minute',
        'hotlist_entries',
        'hotlist_sync',
        'login_locks',
        'push_dead_letters',
        'rejected_cdrs',
        'rejected_hour',
        'rejected_hour_mv',
        'rejected_minute',
        'rejected_minute_mv',
        'schema_migrations',
        'security_events',
        'sessions',
        'signalling_events',
        'traffic_hour',
        'traffic_hour_mv',
        'traffic_minute',
        'traffic_minute_mv',
        'usage_profiles',
        'users',
      ],
    );
    const recorded = await ch.rows<{ version: number; checksum: string }>(`SELECT version, checksum FROM ${ch.database}.schema_migrations ORDER BY version`);
    assert.deepEqual(
      recorded.map((r) => r.checksum),
      readMigrations().map((m) => m.checksum),
    );
  });

  it('is a no-op when run again', async () => {
    await run();
    const again = await run();
    assert.deepEqual(again.applied, []);
    assert.equal(again.alreadyApplied, readMigrations().length);
    assert.deepEqual(again.retention, []);
  });

  it('refuses to run when an applied migration was edited, naming the file', async () => {
    await run();
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, '001_initial_schema.sql'), `${readMigrations()[0]?.sql}\n-- edited\n`);
    await assert.rejects(run(readMigrations(dir)), (err: unknown) => {
      assert.ok(err instanceof SentinelaError);
      assert.equal(err.code, 'MIGRATION_CHECKSUM_MISMATCH');
      assert.equal(err.details.path, '001_initial_schema.sql');
      return true;
    });
  });

  it('applies a later migration on top of an applied one, in version order', async () => {
    await run();
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, '099_add_note.sql'), "ALTER TABLE {{db}}.alerts ADD COLUMN IF NOT EXISTS note String DEFAULT '';");
    const report = await run(readMigrations(dir));
    assert.deepEqual(report.applied, ['099_add_note.sql']);
    const columns = await ch.rows<{ name: string }>("SELECT name FROM system.columns WHERE database = {db:String} AND table = 'alerts' AND name = 'note'", {
      db: ch.database,
    });
    assert.equal(columns.length, 1);
  });

  it('rejects misnamed migration files instead of skipping them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    writeFileSync(join(dir, '1_bad.sql'), 'SELECT 1');
    assert.throws(
      () => readMigrations(dir),
      (err: unknown) => err instanceof SentinelaError && err.code === 'MIGRATION_FILE_INVALID',
    );
  });

  it('on a single node, runs each migration file as written: the same statements as before cluster support', async () => {
    const rec = recording(ch.client);
    await migrate(rec.client, { database: ch.database, retentionDays: 400, migrations: readMigrations() });
    const files = readMigrations().flatMap((m) => splitStatements(m.sql.replaceAll('{{db}}', ident(ch.database))));
    const start = rec.commands.indexOf(files[0] ?? '');
    assert.equal(start, 2, 'after the database and schema_migrations');
    assert.deepEqual(rec.commands.slice(start, start + files.length), files);
    assert.equal(rec.commands.length, files.length + 5, 'plus the three retention TTLs');
    for (const statement of rec.commands) assert.doesNotMatch(statement, /ON CLUSTER|Replicated|Distributed|_local\b/);
  });

  it('sends each migration statement under the same query id on every run, kept alive by progress headers while it runs', async () => {
    const runs = [recording(ch.client), recording(ch.client)];
    const migrations = readMigrations();
    await migrate(runs[0]!.client, { database: ch.database, retentionDays: 400, migrations: migrations.filter((m) => m.version < 10) });
    // a stop before 010 was recorded, as after a client cut off in its backfill: the next run sends it again
    await migrate(runs[1]!.client, { database: ch.database, retentionDays: 400, migrations });
    const rollups = migrations.find((m) => m.version === 10);
    assert.ok(rollups);
    const statements = migrationStatements(rollups.sql, ch.database, SINGLE_NODE);
    const sent = runs[1]!.sent.filter((p) => statements.includes(p.query));
    assert.deepEqual(
      sent.map((p) => [p.query_id, p.clickhouse_settings]),
      statements.map((_, n) => [statementId(ch.database, '010_rollups.sql', n), LONG_STATEMENT]),
    );
    assert.ok(
      sent.some((p) => p.query.startsWith(`INSERT INTO ${ident(ch.database)}.traffic_hour`)),
      'the backfill among them',
    );
    const first = runs[0]!.sent.find((p) => p.query.startsWith(`CREATE TABLE IF NOT EXISTS ${ident(ch.database)}.cdrs`));
    assert.equal(first?.query_id, statementId(ch.database, '001_initial_schema.sql', 0));
    assert.equal(statementId(ch.database, '010_rollups.sql', 3), `sentinela-migrate-${ch.database}-010_rollups.sql-3`, 'nothing random in it');
  });

  it('refuses to turn a single-node database into a cluster one, before any change', async () => {
    await run();
    const rec = recording(ch.client);
    const topology = { kind: 'cluster', cluster: 'sentinela_2x2' } as const;
    await assert.rejects(migrate(rec.client, { database: ch.database, retentionDays: 400, migrations: readMigrations(), topology }), (err: unknown) => {
      assert.ok(err instanceof SentinelaError);
      assert.equal(err.code, 'MIGRATION_FAILED');
      assert.match(err.message, /alerts \(ReplacingMergeTree\).*cdrs \(ReplacingMergeTree\)/);
      assert.equal(err.details.path, 'CLICKHOUSE_CLUSTER');
      return true;
    });
    assert.deepEqual(rec.commands, []);
  });

  it('reconciles the TTL with the configured retention', async () => {
    const first = await run(readMigrations(), 30);
    assert.deepEqual(first.retention, [
      'cdrs: retention set to 30 days',
      'rejected_cdrs: retention set to 30 days',
      'signalling_events: retention set to 30 days',
    ]);
    const changed = await run(readMigrations(), 90);
    assert.deepEqual(changed.retention, [
      'cdrs: retention changed from 30 to 90 days',
      'rejected_cdrs: retention changed from 30 to 90 days',
      'signalling_events: retention changed from 30 to 90 days',
    ]);
    const removed = await run(readMigrations(), 0);
    assert.deepEqual(removed.retention, [
      'cdrs: retention removed (was 90 days)',
      'rejected_cdrs: retention removed (was 90 days)',
      'signalling_events: retention removed (was 90 days)',
    ]);
  });

  it('a CDR delivered twice appears once in query results (ReplacingMergeTree + FINAL)', async () => {
    await run();
    const row = {
      id: 'leg-1',
      tenant: 'default',
      account: 'acme',
      caller: '1000',
      callee: '011961234567',
      started_at: 1_772_370_000_000,
      ended_at: 1_772_370_030_000,
      duration_sec: 30,
      bill_sec: 20,
      disposition: 'ANSWERED',
      answered_at: 1_772_370_010_000,
      extra: {},
    };
    // two separate inserts, as two deliveries of the same Kafka message would make
    await ch.client.insert({ table: `${ch.database}.cdrs`, values: [row], format: 'JSONEachRow' });
    await ch.client.insert({ table: `${ch.database}.cdrs`, values: [{ ...row, source: 'redelivered' }], format: 'JSONEachRow' });
    const viaView = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.cdrs_dedup WHERE id = 'leg-1'`);
    const viaFinal = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.cdrs FINAL WHERE id = 'leg-1'`);
    assert.equal(Number(viaView[0]?.n), 1);
    assert.equal(Number(viaFinal[0]?.n), 1);
  });

  it('rollups (010) are backfilled from what was stored before, once: a migration run again after a stop counts nothing twice', async () => {
    const upTo9 = readMigrations().filter((m) => m.version < 10);
    await run(upTo9);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const cdr = (id: string, billSec: number) => ({
      id,
      tenant: 'acme',
      account: 'vendas',
      caller: '1000',
      callee: '+442079460000',
      callee_country: 'GB',
      started_at: hour + 60_000,
      ended_at: hour + 120_000,
      duration_sec: 60,
      bill_sec: billSec,
      disposition: billSec > 0 ? 'ANSWERED' : 'NO ANSWER',
      cost: billSec / 10,
      extra: {},
    });
    await ch.client.insert({ table: `${ch.database}.cdrs`, values: [cdr('old-1', 60), cdr('old-2', 0), cdr('old-2', 0)], format: 'JSONEachRow' });
    await run();
    const totals = async () =>
      (
        await ch.rows<{ calls: string; answered: string; cost: number }>(
          `SELECT sum(calls) AS calls, sum(answered) AS answered, sum(cost) AS cost FROM ${ch.database}.traffic_hour WHERE tenant = 'acme'`,
        )
      ).map((r) => [Number(r.calls), Number(r.answered), r.cost]);
    assert.deepEqual(await totals(), [[2, 1, 6]], 'the re-delivered CDR counted once (read with FINAL)');
    // a stop after the backfill and before the migration was recorded: the next run finds its rollups filled
    const rollups = readMigrations().find((m) => m.version === 10);
    assert.ok(rollups);
    for (const statement of migrationStatements(rollups.sql, ch.database, SINGLE_NODE).filter((s) => s.startsWith('INSERT'))) {
      await ch.client.command({ query: statement });
    }
    assert.deepEqual(await totals(), [[2, 1, 6]]);
  });
});
