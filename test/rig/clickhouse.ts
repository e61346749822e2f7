import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import type { ClickHouseTarget } from '../../src/config/config.js';

/**
 * A ClickHouse database for one test: on the server named by CLICKHOUSE_URL, or on chDB in a temporary directory.
 * libchdb binds one data directory per process; node --test runs each test file in its own process, and every
 * test in a file shares that file's directory with its own database.
 */
export interface TestClickHouse {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly target: ClickHouseTarget;
  /** Rows of a query as objects. */
  rows<T>(query: string, params?: Record<string, unknown>): Promise<T[]>;
  drop(): Promise<void>;
}

let sharedTarget: ClickHouseTarget | undefined;
let sharedClient: ClickHouseClient | undefined;

export function testClickHouseTarget(): ClickHouseTarget {
  if (sharedTarget) return sharedTarget;
  const url = process.env['CLICKHOUSE_URL'];
  sharedTarget = url
    ? { mode: 'server', url, user: process.env['CLICKHOUSE_USER'] ?? 'default', password: process.env['CLICKHOUSE_PASSWORD'] }
    : { mode: 'embedded', dataDir: mkdtempSync(join(tmpdir(), 'sentinela-chdb-')) };
  if (sharedTarget.mode === 'embedded') {
    const dir = sharedTarget.dataDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return sharedTarget;
}

export async function createTestDatabase(): Promise<TestClickHouse> {
  const target = testClickHouseTarget();
  const client = (sharedClient ??= createClickHouseClient(target));
  const database = `sentinela_test_${randomBytes(4).toString('hex')}`;
  return {
    client,
    database,
    target,
    async rows<T>(query: string, params: Record<string, unknown> = {}) {
      const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
      return result.json<T>();
    },
    async drop() {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    },
  };
}
