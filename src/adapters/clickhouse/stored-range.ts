import type { ClickHouseClient } from '@clickhouse/client';
import type { StoredRange } from '../../pipeline/ports.js';
import { selectRows } from './queries.js';

/** CDRs the engine counted, from `since` on (`since` is a query parameter). */
export const COUNTED = `started_at >= fromUnixTimestamp64Milli({since:Int64}) AND status IN ('evaluated', 'emergency', 'leg')`;

/**
 * The stored CDRs counted from `since` on (of one tenant, or all), counted, with `until` the last one stored now: the
 * bound that makes a count and two replays read the same CDRs while new ones arrive (`replay --compare --since`, POST
 * /v1/rules/compare). By arrival (ingested_at), not by call time: a call that started before `until` may be stored after it.
 */
export async function storedRange(client: ClickHouseClient, db: string, since: number, tenant?: string): Promise<StoredRange> {
  const tenantOnly = tenant === undefined ? '1' : 'tenant = {tenant:String}';
  const rows = await selectRows<{ n: string; until: string }>(
    client,
    `SELECT count() AS n, toUnixTimestamp64Milli(max(ingested_at)) AS until FROM ${db}.cdrs FINAL WHERE ${tenantOnly} AND ${COUNTED}`,
    tenant === undefined ? { since } : { since, tenant },
    'count stored CDRs',
  );
  return { since, until: Number(rows[0]?.until ?? 0), count: Number(rows[0]?.n ?? 0), ...(tenant === undefined ? {} : { tenant }) };
}

/** The condition (besides COUNTED) and parameters that read `range` again. */
export function rangeQuery(range: StoredRange): { where: string; params: Record<string, unknown> } {
  const where = `ingested_at <= fromUnixTimestamp64Milli({until:Int64})${range.tenant === undefined ? '' : ' AND tenant = {tenant:String}'}`;
  return { where, params: { since: range.since, until: range.until, ...(range.tenant === undefined ? {} : { tenant: range.tenant }) } };
}
