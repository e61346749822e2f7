import type { ClickHouseClient } from '@clickhouse/client';
import type { EventSearch, EvidenceEvent, Page } from '../../api/ports.js';
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

/** An event's raw line is cut to this many characters in answers: evidence at a glance, not a log dump. */
export const EVENT_RAW_SHOWN = 300;

const EVENT_COLUMNS = `id, toUnixTimestamp64Milli(at) AS at_ms, tenant, type, src_ip, src_port, transport, user, user_agent, method, call_id, reporter,
  if(lengthUTF8(raw) > {cut:UInt32}, concat(substringUTF8(raw, 1, {cut:UInt32}), '…'), raw) AS shown_raw, count`;

interface EventRow {
  id: string;
  at_ms: string;
  tenant: string;
  type: string;
  src_ip: string;
  src_port: number;
  transport: string;
  user: string;
  user_agent: string;
  method: string;
  call_id: string;
  reporter: string;
  shown_raw: string;
  count: number;
}

const eventOf = (r: EventRow): EvidenceEvent => ({
  id: r.id,
  at: Number(r.at_ms),
  tenant: r.tenant,
  type: r.type,
  srcIp: r.src_ip,
  srcPort: r.src_port,
  transport: r.transport,
  user: r.user,
  userAgent: r.user_agent,
  method: r.method,
  callId: r.call_id,
  reporter: r.reporter,
  raw: r.shown_raw,
  count: r.count,
});

/**
 * The events a signalling alert names: at most 20 ids (MAX_EVIDENCE), of one tenant (the sort key's first column), none
 * later than the alert (a late event counts at the newest time seen, so its own time is earlier, never later).
 */
export async function selectEvidenceEvents(
  client: ClickHouseClient,
  db: string,
  tenant: string,
  ids: readonly string[],
  until: number,
): Promise<EvidenceEvent[]> {
  if (ids.length === 0) return [];
  const rows = await selectRows<EventRow>(
    client,
    `SELECT ${EVENT_COLUMNS} FROM ${db}.signalling_events FINAL
     WHERE tenant = {tenant:String} AND id IN {ids:Array(String)} AND at <= fromUnixTimestamp64Milli({until:Int64})
     ORDER BY at, id LIMIT {limit:UInt32}`,
    { tenant, ids, until, limit: ids.length, cut: EVENT_RAW_SHOWN },
    'alert evidence events',
  );
  return rows.map(eventOf);
}

/** A tenant's security events, newest first (by IP: the table's sort key after the tenant). */
export async function selectEvents(client: ClickHouseClient, db: string, q: EventSearch): Promise<Page<EvidenceEvent>> {
  const rows = await selectRows<EventRow & { total: string }>(
    client,
    `SELECT ${EVENT_COLUMNS}, count() OVER () AS total FROM ${db}.signalling_events FINAL
     WHERE tenant = {tenant:String}
       AND ({ip:Nullable(String)} IS NULL OR src_ip = {ip:Nullable(String)})
       AND ({user:Nullable(String)} IS NULL OR user = {user:Nullable(String)})
       AND ({type:Nullable(String)} IS NULL OR toString(type) = {type:Nullable(String)})
       AND ({scoped:UInt8} = 0 OR user IN {users:Array(String)})
       AND ({since:Nullable(Int64)} IS NULL OR at >= fromUnixTimestamp64Milli(assumeNotNull({since:Nullable(Int64)})))
       AND ({until:Nullable(Int64)} IS NULL OR at < fromUnixTimestamp64Milli(assumeNotNull({until:Nullable(Int64)})))
     ORDER BY at DESC, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    {
      tenant: q.tenant,
      ip: q.ip ?? null,
      user: q.user ?? null,
      type: q.type ?? null,
      scoped: q.users ? 1 : 0,
      users: q.users ?? [],
      since: q.since ?? null,
      until: q.until ?? null,
      limit: q.limit,
      offset: q.offset,
      cut: EVENT_RAW_SHOWN,
    },
    'search security events',
  );
  return { items: rows.map(eventOf), total: Number(rows[0]?.total ?? 0) };
}
