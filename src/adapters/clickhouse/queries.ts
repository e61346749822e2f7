import type { ClickHouseClient } from '@clickhouse/client';
import { storeError } from './client.js';

/** A SELECT with bound parameters only; failures become STORE_QUERY_FAILED naming `context`. */
export async function selectRows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown>, context: string): Promise<T[]> {
  try {
    const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
    return await result.json<T>();
  } catch (err) {
    throw storeError(err, 'STORE_QUERY_FAILED', context);
  }
}

/** A JSONEachRow insert into `table` (already qualified with its database). */
export async function insertRows(client: ClickHouseClient, table: string, values: readonly object[]): Promise<void> {
  if (values.length === 0) return;
  try {
    await client.insert({ table, values: [...values], format: 'JSONEachRow' });
  } catch (err) {
    throw storeError(err, 'STORE_QUERY_FAILED', `insert into ${table}`);
  }
}

/** A statement without a result (DELETE, ALTER), with bound parameters. */
export async function runStatement(client: ClickHouseClient, query: string, params: Record<string, unknown>, context: string): Promise<void> {
  try {
    await client.command({ query, query_params: params });
  } catch (err) {
    throw storeError(err, 'STORE_QUERY_FAILED', context);
  }
}
