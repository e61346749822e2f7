import { mkdirSync } from 'node:fs';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { ClickHouseTarget } from '../../config/config.js';
import { SentinelaError } from '../../errors.js';

type ChdbAsClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

/**
 * One @clickhouse/client for both engines: the embedded chDB (in-process ClickHouse, data under a directory) or a
 * ClickHouse server over HTTP. Everything above this function uses the same client API, SQL and migrations.
 * chDB ignores the client's `database` option, so Sentinela always qualifies table names with the database.
 */
export function createClickHouseClient(target: ClickHouseTarget): ClickHouseClient {
  if (target.mode === 'server') {
    return createClient({
      url: target.url,
      username: target.user,
      ...(target.password === undefined ? {} : { password: target.password }),
      request_timeout: 30_000,
    });
  }
  try {
    mkdirSync(target.dataDir, { recursive: true });
    // chdb implements @clickhouse/client-common's Connection; @clickhouse/client bundles its own copy of those
    // declarations, which differ only nominally (private fields), hence the cast.
    const connection = createChdbConnection({ path: target.dataDir }) as unknown as ChdbAsClientConnection;
    return createClient({ connection });
  } catch (err) {
    throw new SentinelaError('STORE_UNAVAILABLE', `cannot open the embedded ClickHouse at ${target.dataDir}: ${(err as Error).message}`, {
      path: 'SENTINELA_DATA_DIR',
    }, { cause: err });
  }
}

/** Quotes an identifier that config validation already restricted to [A-Za-z_][A-Za-z0-9_]*. */
export function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new SentinelaError('CONFIG_INVALID', `not a plain identifier: ${JSON.stringify(name)}`);
  }
  return `\`${name}\``;
}
