import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
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

/**
 * When an insert is the same write as an earlier one, and dropped (at-least-once delivery, README "Delivery"):
 * - `'rows'`, or `{ identity }` when the rows alone do not tell: a retry of a batch is dropped, in the rollups the
 *   materialized views feed too (migrations/010_rollups.sql). The token is the content: the block ClickHouse would
 *   hash holds the columns filled in at insert time (cdrs.ingested_at = now64()), which differ on every retry, so
 *   without it a retried batch was stored, and counted by the views, twice. Only where equal content is one event.
 * - `'none'`: no token (ClickHouse's own rule: a replicated table drops a block equal byte for byte, columns filled
 *   at insert included). For writes where equal rows may be a distinct, legitimate write (a usage snapshot saved
 *   again after another owner's, a state set back). The empty token is sent, not left out: chDB keeps a query's
 *   settings for the session, and a token left from an earlier insert would drop this one.
 */
export type InsertDedup = 'rows' | { readonly identity: unknown } | 'none';

const dedupSettings = (table: string, body: string, dedup: InsertDedup) =>
  dedup === 'none'
    ? { insert_deduplication_token: '' }
    : {
        insert_deduplicate: 1 as const,
        deduplicate_blocks_in_dependent_materialized_views: 1 as const,
        insert_deduplication_token: createHash('sha256')
          .update(table)
          .update(dedup === 'rows' ? body : JSON.stringify(dedup.identity))
          .digest('hex'),
      };

/**
 * The one insert into `table` (already qualified with its database); `dedup` says what a repeat is. Rows go as
 * JSONCompactEachRowWithNames (a header of column names, then one JSON array per row): ClickHouse parses it in
 * about 0.6x the time of JSONEachRow, which repeats every key on every row, with the same value semantics. The
 * format, not a column list, fills the columns the header lacks, so a block still holds its insert-time defaults
 * (what tells equal 'none' rows apart). TabSeparated, about as fast, reads an epoch-ms DateTime64 by its digit
 * count. The rows are encoded once: the same text is the token's content and the insert's body.
 */
export async function insertRows(client: ClickHouseClient, table: string, values: readonly object[], dedup: InsertDedup): Promise<void> {
  if (values.length === 0) return;
  const body = compactRows(values);
  try {
    const { stream } = await client.exec({
      query: `INSERT INTO ${table} FORMAT JSONCompactEachRowWithNames`,
      values: Readable.from([body], { objectMode: false }),
      clickhouse_settings: dedupSettings(table, body, dedup),
    });
    // nothing to read, but its end (or a reset after the status) is the insert's outcome: a retry, not an uncaught error
    await finished(stream.resume());
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

/**
 * The header line (the union of the rows' keys, in first-seen order), then each row as a JSON array. A key a row
 * lacks, or holds as undefined or null, is null: NULL in a Nullable column, the column's DEFAULT in any other
 * (input_format_null_as_default), as a missing JSONEachRow key was.
 */
export function compactRows(rows: readonly object[]): string {
  const columns = Object.keys(rows[0] as object);
  const known = new Set(columns);
  for (const row of rows)
    for (const key in row)
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
  const values = new Array<unknown>(columns.length);
  const lines = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Record<string, unknown>;
    for (let i = 0; i < columns.length; i++) values[i] = row[columns[i] as string] ?? null;
    lines[r] = jsonLine(values);
  }
  return `${JSON.stringify(columns)}\n${lines.join('\n')}`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * One row as a JSON line whose strings are well-formed UTF-16. A lone surrogate (from `"\ud800"` in a hostile JSON
 * record, kept in a field or quoted by an error message) serialises to an escape ClickHouse refuses, failing the
 * whole batch on every retry: found by fuzzing (npm run test:faults). It becomes U+FFFD, as UTF-8 encoding would
 * make it anyway. JSON.stringify escapes only lone surrogates, so a line without `\ud` needs no second look.
 */
function jsonLine(values: readonly unknown[]): string {
  const line = JSON.stringify(values);
  return line.includes('\\ud') ? JSON.stringify(values.map(fixSurrogates)) : line;
}

/** Strings, and the strings inside arrays and maps (plain objects). */
const fixSurrogates = (v: unknown): unknown =>
  typeof v === 'string'
    ? v.replace(LONE_SURROGATE, '\ufffd')
    : Array.isArray(v)
      ? v.map(fixSurrogates)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [fixSurrogates(k), fixSurrogates(x)]))
        : v;
