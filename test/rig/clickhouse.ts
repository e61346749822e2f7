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

/**
 * A ClickHouse HTTP server over chDB in its own process (test/rig/clickhouse-shim.ts): several Sentinela processes
 * can share its database through CLICKHOUSE_URL. Stopped when the test process ends (its stdin closes).
 */
export async function startClickHouseShim(dataDir: string): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/rig/clickhouse-shim.ts', dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`clickhouse-shim exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(/^listening (\d+)$/.exec(line)?.[1])));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
