import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrationStatements } from '../../../src/adapters/clickhouse/cluster-ddl.js';
import { readMigrations } from '../../../src/adapters/clickhouse/migrations.js';
import { isSharded, type Topology } from '../../../src/adapters/clickhouse/topology.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every table name Sentinela's code reads or writes: `${db}.name` in SQL, and the names its insert helpers take. */
function tablesInCode(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (name: string, where: string) => found.set(name, [...(found.get(name) ?? []), where]);
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(SRC, file);
    for (const m of text.matchAll(/\$\{(?:this\.)?db\}\.(\w+)/g)) add(m[1] as string, where);
    for (const m of text.matchAll(/this\.insert\(\s*'(\w+)'/g)) add(m[1] as string, where);
  }
  return found;
}

describe("the tables Sentinela's queries name exist on a cluster as the tables to read and write through", () => {
  const topology: Topology = { kind: 'cluster', cluster: 'c' };
  const statements = readMigrations().flatMap((m) => migrationStatements(m.sql, 'db', topology, m.file));
  const engines = new Map<string, string>();
  for (const s of statements) {
    const table = /^CREATE TABLE IF NOT EXISTS `db`\.(\w+) ON CLUSTER `c`[\s\S]*?\bENGINE = (\w+)/.exec(s);
    if (table?.[1] && table[2]) engines.set(table[1], table[2]);
    const view = /^CREATE VIEW IF NOT EXISTS `db`\.(\w+) ON CLUSTER/.exec(s);
    if (view?.[1]) engines.set(view[1], 'View');
  }
  const code = tablesInCode();

  it('finds the tables of every store', () => {
    for (const name of ['cdrs', 'rejected_cdrs', 'alerts', 'blocks', 'audit_log', 'users', 'api_keys', 'usage_profiles']) {
      assert.ok(code.has(name), `${name} is named in src/`);
    }
  });

  it('every one is the Distributed table of a sharded table, or a table replicated on every node; none is a _local one', () => {
    for (const [name, where] of code) {
      if (name === 'schema_migrations') continue; // the migrator's own bookkeeping, created by it
      const engine = engines.get(name);
      assert.ok(engine, `${name} (${where.join(', ')}) is created on the cluster under that name`);
      assert.ok(!name.endsWith('_local'), `${name} (${where.join(', ')}) is a shard's storage, not to be read or written directly`);
      if (isSharded(name)) assert.equal(engine, 'Distributed', `${name} is read and written through its Distributed table`);
      else assert.match(engine, /^(Replicated\w*MergeTree|View)$/, name);
    }
  });

  it('mutations (DELETE, ALTER ... UPDATE/DELETE) touch only unsharded tables: a Distributed table cannot run them', () => {
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:DELETE FROM|ALTER TABLE) \$\{(?:this\.)?db\}\.(\w+)/g)) {
        assert.ok(!isSharded(m[1] as string), `${relative(SRC, file)}: a mutation of ${m[1]} would need its _local table ON CLUSTER`);
      }
    }
  });
});
