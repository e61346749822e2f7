import type { ClickHouseClient } from '@clickhouse/client';
import type { Page } from '../../api/ports.js';
import type { HotlistEntry, HotlistKind } from '../../domain/lists/hotlist-entry.js';
import type { HotlistSearch, HotlistStore } from '../../lists/ports.js';
import { ident } from './client.js';
import { insertRows, selectRows } from './queries.js';

/** "Never expires" as stored (DateTime64 ends in 2299). */
const NEVER = Date.parse('2299-12-31T00:00:00Z');

const COLUMNS = `tenant, kind, value, source, id, category, reason, toUnixTimestamp64Milli(created_at) AS created_ms, created_by,
  toUnixTimestamp64Milli(expires_at) AS expires_ms, toUnixTimestamp64Milli(removed_at) AS removed_ms, removed_by, toString(version) AS version_text`;

interface Row {
  tenant: string;
  kind: string;
  value: string;
  source: string;
  id: string;
  category: string;
  reason: string;
  created_ms: string | number;
  created_by: string;
  expires_ms: string | number;
  removed_ms: string | number | null;
  removed_by: string;
  version_text: string;
}

const dt = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

function entryOf(r: Row): HotlistEntry {
  const expires = Number(r.expires_ms);
  return {
    id: r.id,
    tenant: r.tenant,
    kind: r.kind as HotlistKind,
    value: r.value,
    source: r.source,
    category: r.category,
    reason: r.reason,
    createdAt: Number(r.created_ms),
    createdBy: r.created_by,
    expiresAt: expires >= NEVER ? null : expires,
    removedAt: r.removed_ms === null ? null : Number(r.removed_ms),
    removedBy: r.removed_by,
    version: Number(r.version_text),
  };
}

/** Hotlist entries in ClickHouse: bound parameters only; every change is a newer row version read with FINAL. */
export class ClickHouseHotlistStore implements HotlistStore {
  private readonly db: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.db = ident(database);
  }

  save(entries: readonly HotlistEntry[]): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.hotlist_entries`,
      entries.map((e) => ({
        tenant: e.tenant,
        kind: e.kind,
        value: e.value,
        source: e.source,
        id: e.id,
        category: e.category,
        reason: e.reason,
        created_at: dt(e.createdAt),
        created_by: e.createdBy,
        expires_at: dt(e.expiresAt ?? NEVER),
        removed_at: e.removedAt === null ? null : dt(e.removedAt),
        removed_by: e.removedBy,
        version: e.version,
      })),
      'none',
    );
  }

  async active(now: number): Promise<HotlistEntry[]> {
    const rows = await selectRows<Row>(
      this.client,
      `SELECT ${COLUMNS} FROM ${this.db}.hotlist_entries FINAL WHERE removed_at IS NULL AND expires_at > fromUnixTimestamp64Milli({now:Int64})`,
      { now },
      'load hotlists',
    );
    return rows.map(entryOf);
  }

  async stamp(): Promise<string> {
    const [row] = await selectRows<{ v: string; n: string }>(
      this.client,
      `SELECT toString(max(version)) AS v, toString(count()) AS n FROM ${this.db}.hotlist_entries`,
      {},
      'hotlist stamp',
    );
    return `${row?.v ?? '0'}:${row?.n ?? '0'}`;
  }

  async changedSince(q: { kind?: HotlistKind | undefined; since: number; limit: number; tenants?: readonly string[] | undefined }): Promise<HotlistEntry[]> {
    const filter = `version > {since:UInt64} AND ({kind:Nullable(String)} IS NULL OR kind = {kind:Nullable(String)})
      AND ({scoped:UInt8} = 0 OR tenant IN {tenants:Array(String)})`;
    const rows = await selectRows<Row>(
      this.client,
      `SELECT ${COLUMNS} FROM ${this.db}.hotlist_entries FINAL
       WHERE ${filter} AND version <= (SELECT max(version) FROM (SELECT version FROM ${this.db}.hotlist_entries FINAL WHERE ${filter} ORDER BY version LIMIT {limit:UInt32}))
       ORDER BY hotlist_entries.version, tenant, kind, value, source`,
      { since: q.since, kind: q.kind ?? null, scoped: q.tenants ? 1 : 0, tenants: q.tenants ?? [], limit: q.limit },
      'hotlist changes',
    );
    return rows.map(entryOf);
  }

  async search(q: HotlistSearch, now: number): Promise<Page<HotlistEntry>> {
    const rows = await selectRows<Row & { total: string }>(
      this.client,
      `SELECT ${COLUMNS}, count() OVER () AS total FROM ${this.db}.hotlist_entries FINAL
       WHERE removed_at IS NULL AND expires_at > fromUnixTimestamp64Milli({now:Int64})
         AND ({scoped:UInt8} = 0 OR tenant IN {tenants:Array(String)})
         AND ({kind:Nullable(String)} IS NULL OR kind = {kind:Nullable(String)})
         AND ({value:Nullable(String)} IS NULL OR positionCaseInsensitive(value, {value:Nullable(String)}) > 0)
         AND ({source:Nullable(String)} IS NULL OR source = {source:Nullable(String)})
       ORDER BY created_at DESC, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      {
        now,
        scoped: q.tenants ? 1 : 0,
        tenants: q.tenants ?? [],
        kind: q.kind ?? null,
        value: q.value ?? null,
        source: q.source ?? null,
        limit: q.limit,
        offset: q.offset,
      },
      'search hotlists',
    );
    return { items: rows.map(entryOf), total: Number(rows[0]?.total ?? 0) };
  }

  async liveValues(q: { kind: HotlistKind; values: readonly string[]; tenants?: readonly string[] | undefined }, now: number): Promise<Set<string>> {
    if (q.values.length === 0) return new Set();
    const rows = await selectRows<{ value: string }>(
      this.client,
      `SELECT DISTINCT value FROM ${this.db}.hotlist_entries FINAL
       WHERE kind = {kind:String} AND value IN {values:Array(String)} AND removed_at IS NULL AND expires_at > fromUnixTimestamp64Milli({now:Int64})
         AND ({scoped:UInt8} = 0 OR tenant IN {tenants:Array(String)})`,
      { kind: q.kind, values: q.values, now, scoped: q.tenants ? 1 : 0, tenants: q.tenants ?? [] },
      'live hotlist values',
    );
    return new Set(rows.map((r) => r.value));
  }

  async findAll(ids: readonly string[]): Promise<HotlistEntry[]> {
    if (ids.length === 0) return [];
    const rows = await selectRows<Row>(
      this.client,
      `SELECT ${COLUMNS} FROM ${this.db}.hotlist_entries FINAL WHERE id IN {ids:Array(String)}`,
      { ids },
      'find hotlist entries',
    );
    return rows.map(entryOf);
  }

  async find(id: string): Promise<HotlistEntry | undefined> {
    const rows = await selectRows<Row>(
      this.client,
      `SELECT ${COLUMNS} FROM ${this.db}.hotlist_entries FINAL WHERE id = {id:String} LIMIT 1`,
      { id },
      'find hotlist entry',
    );
    return rows[0] && entryOf(rows[0]);
  }

  async syncCursor(feed: string): Promise<string | undefined> {
    const rows = await selectRows<{ cursor: string }>(
      this.client,
      `SELECT cursor FROM ${this.db}.hotlist_sync FINAL WHERE feed = {feed:String} LIMIT 1`,
      { feed },
      'hotlist sync cursor',
    );
    return rows[0]?.cursor;
  }

  saveSyncCursor(feed: string, cursor: string, at: number): Promise<void> {
    return insertRows(this.client, `${this.db}.hotlist_sync`, [{ feed, cursor, synced_at: dt(at), version: at }], 'none');
  }
}
