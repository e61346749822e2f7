import { mkdirSync } from 'node:fs';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { ClickHouseTarget } from '../../config/config.js';
import { SentinelaError } from '../../errors.js';

type ChdbAsClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

/**
 * On a cluster an insert into a Distributed table answers once every shard stored its rows (one replica each),
 * not once the rows were queued on the node that took the insert: a flush acknowledged to Kafka is in its shards,
 * and a retried batch meets the replicated deduplication of the same shard blocks.
 */
export const CLUSTER_SETTINGS = Object.freeze({ insert_distributed_sync: 1 as const });

/**
 * One @clickhouse/client for both engines: the embedded chDB (in-process ClickHouse, data under a directory) or a
 * ClickHouse server over HTTP. Everything above this function uses the same client API, SQL and migrations.
 * chDB ignores the client's `database` option, so Sentinela always qualifies table names with the database.
 */
export function createClickHouseClient(target: ClickHouseTarget & { readonly cluster?: string | undefined }): ClickHouseClient {
  if (target.mode === 'server') {
    return createClient({
      url: target.url,
      username: target.user,
      ...(target.password === undefined ? {} : { password: target.password }),
      request_timeout: 30_000,
      // a long migration statement is kept alive by progress headers (migrator.ts), one every 10 s: Node's 16 KiB of
      // response headers would end it after some 15 minutes
      max_response_headers_size: 1024 * 1024,
      ...(target.cluster === undefined ? {} : { clickhouse_settings: CLUSTER_SETTINGS }),
    });
  }
  try {
    mkdirSync(target.dataDir, { recursive: true });
    // chdb implements @clickhouse/client-common's Connection; @clickhouse/client bundles its own copy of those
    // declarations, which differ only nominally (private fields), hence the cast.
    const connection = createChdbConnection({ path: target.dataDir }) as unknown as ChdbAsClientConnection;
    return createClient({ connection });
  } catch (err) {
    throw new SentinelaError(
      'STORE_UNAVAILABLE',
      `cannot open the embedded ClickHouse at ${target.dataDir}: ${(err as Error).message}`,
      {
        path: 'SENTINELA_DATA_DIR',
      },
      { cause: err },
    );
  }
}

const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN|socket hang up|Timeout error/i;
/** ClickHouse's UNKNOWN_DATABASE / UNKNOWN_TABLE, as a server and chDB word them: the schema was never created. */
const NO_SCHEMA = /\b(Database|Table) \S+ does(n't| not) exist|UNKNOWN_(DATABASE|TABLE)/;
const MIGRATE_HINT = ' (the schema is missing: run `sentinela migrate`, or start with MIGRATE_ON_START=true)';

/**
 * Maps what @clickhouse/client throws to Sentinela's codes: a server that cannot be reached is STORE_UNAVAILABLE
 * (retry later), a statement it rejected is STORE_QUERY_FAILED (or the given code).
 */
export function storeError(err: unknown, rejectedCode: 'STORE_QUERY_FAILED' | 'MIGRATION_FAILED' = 'STORE_QUERY_FAILED', context = ''): SentinelaError {
  if (err instanceof SentinelaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const unreachable = UNREACHABLE.test(message) || (typeof code === 'string' && UNREACHABLE.test(code));
  const prefix = context ? `${context}: ` : '';
  return unreachable
    ? new SentinelaError('STORE_UNAVAILABLE', `${prefix}ClickHouse unreachable: ${message}`, {}, { cause: err })
    : new SentinelaError(rejectedCode, `${prefix}${message}${NO_SCHEMA.test(message) ? MIGRATE_HINT : ''}`, context ? { path: context } : {}, { cause: err });
}

/** Quotes an identifier that config validation already restricted to [A-Za-z_][A-Za-z0-9_]*. */
export function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new SentinelaError('CONFIG_INVALID', `not a plain identifier: ${JSON.stringify(name)}`);
  }
  return `\`${name}\``;
}
