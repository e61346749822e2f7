import type { ClickHouseClient } from '@clickhouse/client';
import type { KnownUser, StoredEvent } from '../../pipeline/ports.js';
import { selectRows } from './queries.js';

/** The row form of a security event in `signalling_events` (migrations/011_signalling_events.sql). */
export function eventRow({ event: e, id, status, source }: StoredEvent): Record<string, unknown> {
  return {
    id,
    at: e.at,
    tenant: e.tenant,
    type: e.type,
    src_ip: e.srcIp,
    src_port: e.srcPort ?? 0,
    transport: e.transport ?? '',
    user: e.user ?? '',
    user_agent: e.userAgent ?? '',
    method: e.method ?? '',
    call_id: e.callId ?? '',
    fingerprint: e.fingerprint ?? '',
    count: e.count,
    reporter: e.reporter ?? '',
    raw: e.raw ?? '',
    status,
    source_kind: source.kind,
    source_name: source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
    format: source.format,
  };
}

/** Users that registered successfully from an address since `since` (NAT-aware signalling after a restart). */
export async function selectKnownUsers(client: ClickHouseClient, db: string, since: number): Promise<KnownUser[]> {
  const rows = await selectRows<{ tenant: string; ip: string; user: string; last_ms: string }>(
    client,
    `SELECT tenant, src_ip AS ip, user, toUnixTimestamp64Milli(max(at)) AS last_ms FROM ${db}.signalling_events
     WHERE type = 'registered' AND user != '' AND at >= fromUnixTimestamp64Milli({since:Int64}) GROUP BY tenant, ip, user`,
    { since },
    'state rebuild: known users',
  );
  return rows.map((r) => ({ tenant: r.tenant, ip: r.ip, user: r.user, at: Number(r.last_ms) }));
}
