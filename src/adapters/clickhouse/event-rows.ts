import type { StoredEvent } from '../../pipeline/ports.js';

/** The row form of a security event in `security_events` (migrations/011_security_events.sql). */
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
