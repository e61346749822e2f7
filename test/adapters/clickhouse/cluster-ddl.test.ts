import { Readable } from 'node:stream';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { ident } from '../../../src/adapters/clickhouse/client.js';
import { migrationStatements } from '../../../src/adapters/clickhouse/cluster-ddl.js';
import { readMigrations } from '../../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../../src/adapters/clickhouse/migrator.js';
import { splitStatements } from '../../../src/adapters/clickhouse/sql-statements.js';
import { SHARDED_TABLES, SINGLE_NODE, type Topology } from '../../../src/adapters/clickhouse/topology.js';
import { SentinelaError } from '../../../src/errors.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

const DB = 'sentinela';
const CLUSTER: Topology = { kind: 'cluster', cluster: 'sentinela_2x2' };

/**
 * A recording stand-in for one node of a fresh cluster: chDB (one process, no Keeper, no remote servers) cannot
 * run ON CLUSTER DDL, so the cluster path is checked on the statements `migrate` sends, parsed by ClickHouse's own
 * parser (formatQuery on chDB). It answers the migrator's reads as an empty node would.
 */
function freshClusterNode(): { client: ClickHouseClient; commands: string[]; inserts: string[] } {
  const commands: string[] = [];
  const inserts: string[] = [];
  const rows = (values: object[]) => ({ json: () => Promise.resolve(values) });
  const client = {
    command: ({ query }: { query: string }) => Promise.resolve(void commands.push(query)),
    // insertRows sends `INSERT INTO <table> FORMAT JSONEachRow` with its encoded rows through exec
    exec: ({ query }: { query: string }) =>
      Promise.resolve({ stream: Readable.from([]) }).finally(() => void inserts.push(/^INSERT INTO (\S+)/.exec(query)?.[1] ?? query)),
    query: ({ query, query_params }: { query: string; query_params?: { table?: string } }) => {
      if (!query.includes('engine_full')) return Promise.resolve(rows([]));
      const created = commands.some((c) => c.startsWith(`CREATE TABLE IF NOT EXISTS ${ident(DB)}.${query_params?.table ?? ''} `));
      return Promise.resolve(rows(created ? [{ engine_full: "ReplicatedReplacingMergeTree('/p', '{replica}') ORDER BY x" }] : []));
    },
  };
  return { client: client as unknown as ClickHouseClient, commands, inserts };
}

/** One statement as ClickHouse's parser reads it: formatQuery gives one canonical text for every spelling. */
interface Parsed {
  readonly text: string;
  readonly kind: string;
  readonly name: string;
  readonly cluster: string | undefined;
  readonly engine: string | undefined;
  readonly args: string[];
  readonly orderBy: string[];
  readonly columns: string[];
  readonly finalFrom: string | undefined;
  /** A materialized view's target (TO) and the tables it reads (FROM). */
  readonly to: string | undefined;
  readonly from: string[];
}

function parse(text: string): Parsed {
  const head = /^(CREATE (?:TABLE|VIEW|MATERIALIZED VIEW|DATABASE)|ALTER TABLE|INSERT INTO) (?:IF NOT EXISTS )?(\S+)(?: ON CLUSTER (\S+))?/.exec(text);
  assert.ok(head?.[1] && head[2], `a statement kind Sentinela's migrations use: ${text}`);
  const engine = /^ENGINE = (\w+)(?:\((.*)\))?$/m.exec(text);
  const orderBy = /^ORDER BY (.+)$/m.exec(text)?.[1];
  return {
    text,
    kind: head[1],
    name: head[2].split('.').pop() as string,
    cluster: head[3],
    engine: engine?.[1],
    args: engine?.[2] ? topLevel(engine[2]) : [],
    orderBy: orderBy ? topLevel(orderBy.replace(/^\((.*)\)$/, '$1')) : [],
    columns: [...text.matchAll(/^ {4}`(\w+)` /gm)].map((m) => m[1] as string),
    finalFrom: /^FROM (\S+)\nFINAL/m.exec(text)?.[1],
    to: / TO (\S+)\n/.exec(text)?.[1],
    from: [...text.matchAll(/\bFROM (\w+\.\w+)/g)].map((m) => m[1] as string),
  };
}

function topLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    cur += ch;
  }
  return [...out, cur.trim()];
}

const identifiers = (expr: string) => new Set(expr.match(/\b[a-z_][a-z0-9_]*\b(?!\s*\()/g) ?? []);

describe('migrations on a ClickHouse cluster (text level: parsed by ClickHouse, not run)', () => {
  let ch: TestClickHouse;
  let cluster: Parsed[];
  let single: Parsed[];
  let recorded: ReturnType<typeof freshClusterNode>;
  const format = async (query: string): Promise<string> => {
    const [row] = await ch.rows<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q: query });
    return row?.f ?? '';
  };

  before(async () => {
    ch = await createTestDatabase();
    recorded = freshClusterNode();
    await migrate(recorded.client, { database: DB, retentionDays: 30, migrations: readMigrations(), topology: CLUSTER });
    cluster = await Promise.all(recorded.commands.map(async (c) => parse(await format(c))));
    const singleStatements = readMigrations().flatMap((m) => migrationStatements(m.sql, DB, SINGLE_NODE, m.file));
    single = await Promise.all(singleStatements.map(async (s) => parse(await format(s))));
  });
  after(() => ch.drop());

  const created = (name: string) => cluster.find((p) => p.kind === 'CREATE TABLE' && p.name === name);

  it('on a single node, every migration runs exactly the statements of its file (nothing rewritten)', () => {
    for (const m of readMigrations()) {
      assert.deepEqual(migrationStatements(m.sql, DB, SINGLE_NODE, m.file), splitStatements(m.sql.replaceAll('{{db}}', ident(DB))), m.file);
    }
  });

  it('every statement parses, and every CREATE and ALTER runs ON CLUSTER', () => {
    assert.ok(cluster.length > 20);
    // a backfill runs once, on the node migrating, through the Distributed tables
    for (const p of cluster) assert.equal(p.cluster, p.kind === 'INSERT INTO' ? undefined : 'sentinela_2x2', p.text);
    assert.equal(cluster[0]?.kind, 'CREATE DATABASE');
  });

  it('every MergeTree became Replicated*MergeTree with the standard path and {replica}, keeping its own arguments', () => {
    const singleEngines = new Map(single.filter((p) => p.engine).map((p) => [p.name, p]));
    const merges = cluster.filter((p) => p.engine?.endsWith('MergeTree'));
    for (const p of merges) {
      assert.match(p.engine ?? '', /^Replicated\w*MergeTree$/, p.text);
      const sharded = p.name.endsWith('_local');
      assert.equal(p.args[0], sharded ? "'/clickhouse/tables/{shard}/{database}/{table}'" : "'/clickhouse/tables/all/{database}/{table}'", p.name);
      assert.equal(p.args[1], "'{replica}'", p.name);
      const before = singleEngines.get(sharded ? p.name.slice(0, -'_local'.length) : p.name);
      if (p.name === 'schema_migrations') continue; // not in a migration file
      assert.ok(before, `${p.name} has a single-node twin`);
      assert.equal(p.engine, `Replicated${before.engine}`, p.name);
      assert.deepEqual(p.args.slice(2), before.args, `${p.name} keeps its engine arguments (ReplacingMergeTree's version)`);
      assert.deepEqual(p.orderBy, before.orderBy, `${p.name} keeps its ORDER BY`);
      assert.deepEqual(p.columns, before.columns, `${p.name} keeps its columns`);
    }
    const engines = cluster.filter((p) => p.engine).map((p) => p.engine);
    assert.deepEqual(
      engines.filter((e) => !/^Replicated\w*MergeTree$/.test(e ?? '') && e !== 'Distributed'),
      [],
      'nothing else than replicated and Distributed tables',
    );
    assert.ok(!recorded.commands.some((c) => /\bnon_replicated_deduplication_window\b/.test(c)));
    assert.match(created('cdrs_local')?.text ?? '', /replicated_deduplication_window = 1000/);
  });

  it('each sharded table has its Distributed twin under its own name, sharded on columns of its ORDER BY', () => {
    const rollups = [
      'alert_stats_hour',
      'alert_stats_minute',
      'decisions_hour',
      'decisions_minute',
      'rejected_hour',
      'rejected_minute',
      'signalling_events',
      'traffic_hour',
      'traffic_minute',
    ];
    assert.deepEqual(Object.keys(SHARDED_TABLES).sort(), ['alerts', 'blocks', 'cdrs', 'rejected_cdrs', ...rollups].sort());
    for (const table of ['cdrs', 'alerts', 'blocks', 'rejected_cdrs', ...rollups]) {
      const local = created(`${table}_local`);
      const dist = created(table);
      assert.ok(local && dist, table);
      assert.equal(dist.engine, 'Distributed');
      assert.deepEqual(dist.args.slice(0, 3), ["'sentinela_2x2'", `'${DB}'`, `'${table}_local'`]);
      assert.match(dist.text, new RegExp(`AS ${DB}\\.${table}_local\\n`));
      // FINAL collapses per shard: the rows that collapse share the whole sorting key, so they share the shard
      // exactly when the sharding key reads nothing but sorting-key columns.
      const sortColumns = new Set(local.orderBy.flatMap((e) => [...identifiers(e)]));
      for (const column of identifiers(dist.args[3] ?? '')) {
        assert.ok(sortColumns.has(column), `${table}: sharding column ${column} is in ORDER BY ${local.orderBy.join(', ')}`);
        assert.ok(local.columns.includes(column), `${table} has ${column}`);
      }
    }
    for (const table of ['cdrs', 'alerts', 'blocks']) {
      assert.equal(created(table)?.args[3], 'cityHash64(tenant)', table);
      assert.equal(created(`${table}_local`)?.orderBy[0], 'tenant', `${table}: ORDER BY starts with tenant`);
    }
    assert.ok(!created('rejected_cdrs_local')?.columns.includes('tenant'), 'rejected_cdrs has no tenant: sharded by its sorting key');
  });

  it('every other table is replicated on every node under its own name; views read FINAL from the Distributed table', () => {
    const singleTables = single.filter((p) => p.kind === 'CREATE TABLE').map((p) => p.name);
    for (const name of singleTables) {
      const p = created(name);
      assert.ok(p, `${name} keeps its name on the cluster`);
      assert.equal(p.engine === 'Distributed', Object.hasOwn(SHARDED_TABLES, name), name);
    }
    const views = cluster.filter((p) => p.kind === 'CREATE VIEW');
    assert.deepEqual(
      views.map((v) => [v.name, v.finalFrom]),
      [['cdrs_dedup', `${DB}.cdrs`]],
    );
    assert.equal(created('cdrs')?.engine, 'Distributed');
  });

  it('materialized views watch the local table of a sharded source and fill the local table of their rollup', () => {
    const views = cluster.filter((p) => p.kind === 'CREATE MATERIALIZED VIEW');
    assert.equal(views.length, 9);
    for (const v of views) {
      assert.equal(v.cluster, 'sentinela_2x2', v.name);
      assert.match(v.to ?? '', new RegExp(`^${DB}\\.\\w+_local$`), `${v.name} writes a local rollup`);
      assert.ok(created(v.to?.split('.')[1] ?? '')?.engine?.startsWith('Replicated'), `${v.name}: its target is replicated`);
      assert.deepEqual(
        v.from.map((t) => t.split('.')[1]),
        v.from.map((t) => `${(t.split('.')[1] ?? '').replace(/_local$/, '')}_local`),
        `${v.name} reads local tables only`,
      );
    }
    const single = migrationStatements('CREATE MATERIALIZED VIEW {{db}}.v TO {{db}}.traffic_hour AS SELECT 1 FROM {{db}}.users', DB, CLUSTER);
    assert.deepEqual(single, [
      `CREATE MATERIALIZED VIEW ${ident(DB)}.v ON CLUSTER \`sentinela_2x2\` TO ${ident(DB)}.traffic_hour_local AS SELECT 1 FROM ${ident(DB)}.users`,
    ]);
  });

  it('column changes of a sharded table reach both its local and its Distributed table', () => {
    const alters = cluster.filter((p) => p.kind === 'ALTER TABLE' && /ADD COLUMN/.test(p.text));
    const column = (p: Parsed) => /ADD COLUMN IF NOT EXISTS `(\w+)`/.exec(p.text)?.[1];
    for (const p of alters.filter((a) => a.name.endsWith('_local'))) {
      const twin = alters.find((a) => a.name === p.name.slice(0, -'_local'.length) && column(a) === column(p));
      assert.ok(twin, `${p.name}.${column(p)} is also added to the Distributed table`);
    }
    assert.equal(alters.filter((p) => p.name === 'cdrs').length, 7);
    assert.equal(alters.filter((p) => p.name === 'audit_log').length, 1, 'an unsharded table is altered once');
  });

  it('bookkeeping and retention: schema_migrations replicated everywhere, the TTL set on the local tables', () => {
    const bookkeeping = created('schema_migrations');
    assert.equal(bookkeeping?.engine, 'ReplicatedReplacingMergeTree');
    assert.deepEqual(recorded.inserts, Array(readMigrations().length).fill(`${ident(DB)}.schema_migrations`));
    const ttl = cluster.filter((p) => /MODIFY TTL/.test(p.text));
    assert.deepEqual(
      ttl.map((p) => [p.name, /MODIFY TTL (.*)\)$/.exec(p.text)?.[1]]),
      [
        ['cdrs_local', 'toDateTime(started_at) + toIntervalDay(30)'],
        ['rejected_cdrs_local', 'toDateTime(received_at) + toIntervalDay(30)'],
        ['signalling_events_local', 'toDateTime(at) + toIntervalDay(30)'],
      ],
    );
  });

  it('refuses statements it cannot place on a cluster instead of running them on one node', () => {
    const refused = (sql: string) => {
      assert.throws(
        () => migrationStatements(sql, DB, CLUSTER, '099_x.sql'),
        (err: unknown) => err instanceof SentinelaError && err.code === 'MIGRATION_FILE_INVALID' && err.details.path === '099_x.sql',
        sql,
      );
    };
    refused('DROP TABLE {{db}}.users');
    refused('CREATE TABLE {{db}}.t (a UInt8) ENGINE = Memory');
    // an inner-engine view would keep its rows on the node that took the insert
    refused('CREATE MATERIALIZED VIEW {{db}}.v ENGINE = MergeTree ORDER BY a AS SELECT 1 AS a');
    refused('ALTER TABLE {{db}}.cdrs ADD COLUMN x UInt8, MODIFY SETTING merge_with_ttl_timeout = 3600');
    // storage-only changes of a sharded table go to its local table alone
    assert.deepEqual(migrationStatements('ALTER TABLE {{db}}.cdrs MODIFY SETTING merge_with_ttl_timeout = 3600', DB, CLUSTER), [
      `ALTER TABLE ${ident(DB)}.cdrs_local ON CLUSTER \`sentinela_2x2\` MODIFY SETTING merge_with_ttl_timeout = 3600`,
    ]);
  });
});
