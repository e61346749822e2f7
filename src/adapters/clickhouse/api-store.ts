import type { ClickHouseClient } from '@clickhouse/client';
import type {
  AlertSearch,
  AlertStatus,
  ApiStore,
  BlockSearch,
  EventSearch,
  EvidenceCdr,
  EvidenceEvent,
  Page,
  PushFailure,
  StatsRange,
  StoredAlert,
} from '../../api/ports.js';
import type { Block } from '../../domain/blocks/block.js';
import type { DecisionTally } from '../../domain/blocks/decision-counts.js';
import type { Alert } from '../../domain/engine/verdicts.js';
import { alertRow } from './alert-rows.js';
import { BLOCK_COLUMNS, blockOfRow, type BlockRow } from './block-rows.js';
import { BLOCK_LINE_COLUMNS, streamQuery } from './block-stream.js';
import { ident } from './client.js';
import { selectEvents, selectEvidenceEvents } from './event-rows.js';
import { insertRows, selectRows } from './queries.js';
import { ClickHouseStats } from './rollup-queries.js';
import { ClickHouseStore } from './store.js';

const ALERT_COLUMNS = `id, tenant, rule, severity, subject_kind, subject_value, toUnixTimestamp64Milli(at) AS at_ms, evidence, details,
  suppressed, status, status_by, toUnixTimestamp64Milli(status_at) AS status_ms, count() OVER () AS total`;

/**
 * The API's ClickHouse side: searches with bound parameters only (never concatenated values), and updates as
 * new row versions of ReplacingMergeTree tables read with FINAL.
 */
export class ClickHouseApiStore implements ApiStore {
  private readonly db: string;
  private readonly verdicts: ClickHouseStore;
  private readonly stats: ClickHouseStats;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.db = ident(database);
    this.verdicts = new ClickHouseStore(client, database);
    this.stats = new ClickHouseStats(client, database);
  }

  // the NOC charts (issue 17): rollup-queries.ts
  traffic(q: StatsRange, byCountry: boolean) {
    return this.stats.traffic(q, byCountry);
  }
  alertStats(q: StatsRange) {
    return this.stats.alertStats(q);
  }
  ruleEffects(q: StatsRange) {
    return this.stats.ruleEffects(q);
  }
  decisionStats(q: StatsRange) {
    return this.stats.decisionStats(q);
  }
  topAccounts(q: StatsRange, limit: number) {
    return this.stats.topAccounts(q, limit);
  }

  /** The bytes as ClickHouse sends them (BLOCK_LINE_COLUMNS in TabSeparated): no row objects for a million blocks. */
  async activeBlocks(now: number): Promise<Uint8Array[]> {
    const chunks: Uint8Array[] = [];
    const query = `SELECT ${BLOCK_LINE_COLUMNS} FROM ${this.db}.blocks FINAL
                   WHERE lifted_at IS NULL AND expires_at > fromUnixTimestamp64Milli({now:Int64}) FORMAT TabSeparated`;
    await streamQuery(this.client, query, { now }, (chunk) => void chunks.push(chunk), 'bootstrap active blocks');
    return chunks;
  }

  async findBlock(id: string): Promise<Block | undefined> {
    const rows = await this.rows<BlockRow>(`SELECT ${BLOCK_COLUMNS} FROM ${this.db}.blocks FINAL WHERE id = {id:String} LIMIT 1`, { id }, 'find block');
    return rows[0] && blockOfRow(rows[0]);
  }

  async searchBlocks(q: BlockSearch, now: number): Promise<Page<Block>> {
    const rows = await this.rows<BlockRow & { total: string }>(
      `SELECT ${BLOCK_COLUMNS}, count() OVER () AS total FROM ${this.db}.blocks FINAL
       WHERE lifted_at IS NULL AND expires_at > fromUnixTimestamp64Milli({now:Int64})
         AND ({tenant:Nullable(String)} IS NULL OR tenant = {tenant:Nullable(String)})
         AND ({kind:Nullable(String)} IS NULL OR subject_kind = {kind:Nullable(String)})
         AND ({subject:Nullable(String)} IS NULL OR positionCaseInsensitive(subject_value, {subject:Nullable(String)}) > 0)
         AND ({scoped:UInt8} = 0 OR subject_value IN {subjects:Array(String)})
         AND ({rule:Nullable(String)} IS NULL OR rule = {rule:Nullable(String)})
         AND ({source:Nullable(String)} IS NULL OR toString(source) = {source:Nullable(String)})
       ORDER BY starts_at DESC, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      {
        now,
        tenant: q.tenant ?? null,
        kind: q.kind ?? null,
        subject: q.subject ?? null,
        scoped: q.subjects ? 1 : 0,
        subjects: q.subjects ?? [],
        rule: q.rule ?? null,
        source: q.source ?? null,
        limit: q.limit,
        offset: q.offset,
      },
      'search blocks',
    );
    return { items: rows.map(blockOfRow), total: Number(rows[0]?.total ?? 0) };
  }

  saveBlocks(blocks: readonly Block[]): Promise<void> {
    return this.verdicts.saveBlocks(blocks);
  }

  insertAlerts(alerts: readonly Alert[]): Promise<void> {
    return this.verdicts.insertAlerts(alerts);
  }

  insertDecisions(tallies: readonly DecisionTally[]): Promise<void> {
    return this.verdicts.insertDecisions(tallies);
  }

  async searchAlerts(q: AlertSearch): Promise<Page<StoredAlert>> {
    const rows = await this.rows<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM ${this.db}.alerts FINAL
       WHERE ({tenant:Nullable(String)} IS NULL OR tenant = {tenant:Nullable(String)})
         AND ({rule:Nullable(String)} IS NULL OR rule = {rule:Nullable(String)})
         AND ({status:Nullable(String)} IS NULL OR toString(status) = {status:Nullable(String)})
         AND ({severity:Nullable(String)} IS NULL OR toString(severity) = {severity:Nullable(String)})
         AND ({subject:Nullable(String)} IS NULL OR positionCaseInsensitive(subject_value, {subject:Nullable(String)}) > 0)
         AND ({scoped:UInt8} = 0 OR subject_value IN {subjects:Array(String)})
         AND ({since:Nullable(Int64)} IS NULL OR at >= fromUnixTimestamp64Milli(assumeNotNull({since:Nullable(Int64)})))
         AND ({until:Nullable(Int64)} IS NULL OR at < fromUnixTimestamp64Milli(assumeNotNull({until:Nullable(Int64)})))
       ORDER BY at DESC, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      {
        tenant: q.tenant ?? null,
        rule: q.rule ?? null,
        status: q.status ?? null,
        severity: q.severity ?? null,
        subject: q.subject ?? null,
        scoped: q.subjects ? 1 : 0,
        subjects: q.subjects ?? [],
        since: q.since ?? null,
        until: q.until ?? null,
        limit: q.limit,
        offset: q.offset,
      },
      'search alerts',
    );
    return { items: rows.map(alertOf), total: Number(rows[0]?.total ?? 0) };
  }

  async findAlert(id: string): Promise<StoredAlert | undefined> {
    const rows = await this.rows<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM ${this.db}.alerts FINAL WHERE id = {id:String} LIMIT 1`, { id }, 'find alert');
    return rows[0] && alertOf(rows[0]);
  }

  async evidence(tenant: string, ids: readonly string[]): Promise<EvidenceCdr[]> {
    if (ids.length === 0) return [];
    const rows = await this.rows<{
      id: string;
      account: string;
      caller: string;
      callee: string;
      callee_e164: string;
      src_ip: string;
      started: string;
      bill_sec: number;
      disposition: string;
    }>(
      `SELECT id, account, caller, callee, callee_e164, src_ip, toUnixTimestamp64Milli(started_at) AS started, bill_sec, disposition
       FROM ${this.db}.cdrs FINAL WHERE tenant = {tenant:String} AND id IN {ids:Array(String)} ORDER BY started_at, id`,
      { tenant, ids },
      'alert evidence',
    );
    return rows.map((r) => ({
      id: r.id,
      account: r.account,
      caller: r.caller,
      callee: r.callee,
      calleeE164: r.callee_e164,
      srcIp: r.src_ip,
      startedAt: Number(r.started),
      billSec: r.bill_sec,
      disposition: r.disposition,
    }));
  }

  // security events (issue 18): event-rows.ts
  evidenceEvents(tenant: string, ids: readonly string[], until: number): Promise<EvidenceEvent[]> {
    return selectEvidenceEvents(this.client, this.db, tenant, ids, until);
  }
  searchEvents(q: EventSearch): Promise<Page<EvidenceEvent>> {
    return selectEvents(this.client, this.db, q);
  }

  async setAlertStatus(a: StoredAlert, status: AlertStatus, by: string, at: number): Promise<StoredAlert> {
    await this.insert('alerts', [alertRow(a, { suppressed: a.suppressed, triage: { status, by, at } })]);
    return { ...a, status, statusBy: by, statusAt: at };
  }

  async insertPushFailure(f: PushFailure): Promise<void> {
    await this.insert('push_dead_letters', [
      { target: f.target, block_id: f.blockId, state: f.state, payload: f.payload, attempts: f.attempts, last_error: f.lastError },
    ]);
  }

  private rows<T>(query: string, params: Record<string, unknown>, context: string): Promise<T[]> {
    return selectRows<T>(this.client, query, params, context);
  }

  private insert(table: string, values: object[]): Promise<void> {
    return insertRows(this.client, `${this.db}.${table}`, values, 'none');
  }
}

interface AlertRow {
  id: string;
  tenant: string;
  rule: string;
  severity: StoredAlert['severity'];
  subject_kind: string;
  subject_value: string;
  at_ms: string;
  evidence: string[];
  details: string;
  suppressed: number;
  status: AlertStatus;
  status_by: string;
  status_ms: string | null;
  total: string;
}

function alertOf(r: AlertRow): StoredAlert {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(r.details) as Record<string, unknown>;
  } catch {
    details = { raw: r.details };
  }
  return {
    id: r.id,
    tenant: r.tenant,
    rule: r.rule,
    severity: r.severity,
    subject: { kind: r.subject_kind, value: r.subject_value },
    at: Number(r.at_ms),
    evidence: r.evidence,
    details,
    suppressed: r.suppressed,
    status: r.status,
    statusBy: r.status_by,
    statusAt: r.status_ms === null ? null : Number(r.status_ms),
  };
}
