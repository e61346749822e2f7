import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import type { BlockEntry } from '../../domain/blocks/block-table.js';
import type { DecisionTally } from '../../domain/blocks/decision-counts.js';
import type { Cdr } from '../../domain/cdr/contract.js';
import type { RestoredAlert } from '../../domain/engine/episodes.js';
import type { Alert, Block, Severity, Subject } from '../../domain/engine/verdicts.js';
import type { NumberResult } from '../../domain/numbering/normaliser.js';
import type { UsageSnapshot } from '../../domain/usage/usage-snapshot.js';
import type { CdrStore, KnownUser, Rejected, StoredCdr, StoredEvent, StoredRange } from '../../pipeline/ports.js';
import { alertRow } from './alert-rows.js';
import { blockRow } from './block-rows.js';
import { BLOCK_LINE_COLUMNS, streamBlockLines } from './block-stream.js';
import { ident, storeError } from './client.js';
import { decisionRow } from './decision-rows.js';
import { eventRow, selectKnownUsers } from './event-rows.js';
import { insertRows, selectRows, type InsertDedup } from './queries.js';
import { snapshotOfRow, usageRow } from './usage-rows.js';
import { COUNTED, rangeQuery, storedRange } from './stored-range.js';

/** The processor's ClickHouse side: batched inserts (insertRows) and the reads that rebuild rule state. */
export class ClickHouseStore implements CdrStore {
  private readonly db: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    /** Where skipped usage profile rows are reported (the processor's and the embedded pipeline's logger). */
    private readonly log?: Logger,
  ) {
    this.db = ident(database);
  }

  // CDRs, refusals, alerts and blocks: equal rows are a re-delivery of the same record, verdict or block state
  // (ReplacingMergeTree keeps one anyway), so a retried batch is dropped and the rollups count it once
  async insertCdrs(rows: readonly StoredCdr[]): Promise<void> {
    await this.insert('cdrs', rows.map(cdrRow), 'rows');
  }

  async insertRejected(rows: readonly Rejected[]): Promise<void> {
    await this.insert(
      'rejected_cdrs',
      rows.map((r) => ({
        source_kind: r.source.kind,
        source_name: r.source.topic,
        source_partition: r.source.partition,
        source_offset: r.source.offset,
        format: r.source.format,
        payload: payloadText(r.payload),
        error_code: r.code,
        error_message: r.message,
        error_path: r.path,
      })),
      'rows',
    );
  }

  // security events: equal rows are the same event re-delivered (its id is its content)
  async insertEvents(rows: readonly StoredEvent[]): Promise<void> {
    await this.insert('signalling_events', rows.map(eventRow), 'rows');
  }

  knownUsers(since: number): Promise<KnownUser[]> {
    return selectKnownUsers(this.client, this.db, since);
  }

  async insertAlerts(alerts: readonly Alert[]): Promise<void> {
    await this.insert(
      'alerts',
      alerts.map((a) => alertRow(a, { suppressed: Number(a.details['suppressedBefore'] ?? 0) })),
      'rows',
    );
  }

  async saveBlocks(blocks: readonly Block[]): Promise<void> {
    await this.insert('blocks', blocks.map(blockRow), 'rows');
  }

  async *recentCdrs(topic: string, partitions: readonly number[], since: number): AsyncIterable<Cdr> {
    if (partitions.length === 0) return;
    yield* this.cdrs('source_topic = {topic:String} AND source_partition IN {partitions:Array(Int32)}', { topic, partitions, since }, 'state rebuild');
  }

  /**
   * The stored CDRs of `range` (stored-range.ts), in the order a state rebuild replays them: what a rule change
   * would have done over them (`replay --compare --since`, POST /v1/rules/compare).
   */
  storedCdrs(range: StoredRange): AsyncIterable<Cdr> {
    const { where, params } = rangeQuery(range);
    return this.cdrs(where, params, 'read stored CDRs');
  }

  /** What `storedCdrs` reads, counted (refused beyond a cap before reading any) and bounded by the last CDR stored now. */
  storedRange(since: number, tenant?: string): Promise<StoredRange> {
    return storedRange(this.client, this.db, since, tenant);
  }

  private async *cdrs(where: string, params: Record<string, unknown>, what: string): AsyncIterable<Cdr> {
    let result;
    try {
      result = await this.client.query({
        query: `SELECT id, call_id, tenant, account, caller, callee, src_ip, toUnixTimestamp64Milli(started_at) AS started,
                  toUnixTimestamp64Milli(answered_at) AS answered, toUnixTimestamp64Milli(ended_at) AS ended, duration_sec,
                  bill_sec, disposition, direction, cost, currency, trunk, user_agent, extra
                FROM ${this.db}.cdrs FINAL
                WHERE ${where} AND ${COUNTED}
                ORDER BY ended_at, started_at, source_topic, source_partition, source_offset`,
        query_params: params,
        format: 'JSONEachRow',
      });
    } catch (err) {
      throw storeError(err, 'STORE_QUERY_FAILED', what);
    }
    for await (const rows of result.stream<CdrRowOut>()) {
      for (const row of rows) yield fromRow(row.json());
    }
  }

  async recentAlerts(since: number): Promise<RestoredAlert[]> {
    type Row = { tenant: string; rule: string; severity: Severity; subject_kind: Subject['kind']; subject_value: string; at_ms: string; call: string };
    const rows = await selectRows<Row>(
      this.client,
      `SELECT tenant, rule, severity, subject_kind, subject_value, toUnixTimestamp64Milli(at) AS at_ms,
              JSONExtractString(details, 'callStartedAt') AS call FROM ${this.db}.alerts FINAL
       WHERE at >= fromUnixTimestamp64Milli({since:Int64}) ORDER BY at, severity`,
      { since },
      'state rebuild',
    );
    return rows.map((r) => ({
      tenant: r.tenant,
      rule: r.rule,
      severity: r.severity,
      subject: { kind: r.subject_kind, value: r.subject_value },
      at: Number(r.at_ms),
      details: r.call === '' ? {} : { callStartedAt: r.call },
    }));
  }

  async recentBlocks(since: number, apply: (block: BlockEntry) => void): Promise<number> {
    return streamBlockLines(
      this.client,
      `SELECT ${BLOCK_LINE_COLUMNS} FROM ${this.db}.blocks FINAL
       WHERE source = 'rule' AND lifted_at IS NULL AND starts_at >= fromUnixTimestamp64Milli({since:Int64}) ORDER BY starts_at FORMAT TabSeparated`,
      { since },
      apply,
      'state rebuild',
    );
  }

  /**
   * Block-check answers per tenant and minute (decisions_minute: a summing table; decisions_hour follows it). Two
   * replicas may send equal rows: each tally's take (writer and sequence) tells them apart, a retry is dropped.
   */
  async insertDecisions(tallies: readonly DecisionTally[]): Promise<void> {
    await this.insert('decisions_minute', tallies.map(decisionRow), { identity: tallies });
  }

  /** Not deduplicated: at equal event times the last saved snapshot wins (migration 005), equal to an earlier one or not. */
  async saveUsage(snapshots: readonly UsageSnapshot[]): Promise<void> {
    await this.insert('usage_profiles', snapshots.map(usageRow), 'none');
  }

  async loadUsage(): Promise<UsageSnapshot[]> {
    const rows = await selectRows<{ tenant: string; body: string }>(
      this.client,
      `SELECT tenant, body FROM ${this.db}.usage_profiles FINAL ORDER BY tenant`,
      {},
      'load usage profiles',
    );
    const snapshots: UsageSnapshot[] = [];
    for (const row of rows) {
      const read = snapshotOfRow(row.tenant, row.body);
      if (read.ok) snapshots.push(read.snapshot);
      else this.log?.error({ tenant: row.tenant, reason: read.reason }, 'usage profile row skipped: relearned from the CDRs');
    }
    return snapshots;
  }

  private insert(table: string, values: readonly object[], dedup: InsertDedup): Promise<void> {
    return insertRows(this.client, `${this.db}.${table}`, values, dedup);
  }
}

function cdrRow({ cdr, status, caller, callee, source, estimatedCost }: StoredCdr): Record<string, unknown> {
  const c = callee.ok ? callee.number : null;
  return {
    id: cdr.id,
    call_id: cdr.callId ?? '',
    tenant: cdr.tenant,
    account: cdr.account,
    caller: cdr.caller,
    callee: cdr.callee,
    src_ip: cdr.srcIp ?? '',
    started_at: cdr.startedAt,
    answered_at: cdr.answeredAt,
    ended_at: cdr.endedAt,
    duration_sec: cdr.durationSec,
    bill_sec: cdr.billSec,
    disposition: cdr.disposition,
    direction: cdr.direction ?? '',
    cost: cdr.cost ?? null,
    estimated_cost: estimatedCost ?? null,
    currency: cdr.currency ?? '',
    trunk: cdr.trunk ?? '',
    user_agent: cdr.userAgent ?? '',
    extra: stringMap(cdr.extra),
    caller_e164: e164Of(caller),
    caller_type: caller.ok ? caller.number.type : 'UNKNOWN',
    callee_e164: c?.e164 ?? '',
    callee_country_code: c?.countryCode ?? '',
    callee_country: c?.region ?? '',
    callee_type: c?.type ?? 'UNKNOWN',
    callee_form: c?.form ?? '',
    international: c?.international ?? false,
    emergency: c?.emergency ?? false,
    normalise_error: callee.ok ? '' : callee.error.code,
    source: `${source.kind}:${source.topic}/${source.partition}@${source.offset}`,
    status,
    source_topic: source.kind === 'file' ? '' : source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
    format: source.format,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** The original bytes as text when they are UTF-8, else `base64:` + base64 (rows travel as JSON). */
function payloadText(payload: Buffer): string {
  try {
    return utf8.decode(payload);
  } catch {
    return `base64:${payload.toString('base64')}`;
  }
}

const e164Of = (r: NumberResult): string => (r.ok ? (r.number.e164 ?? '') : '');

function stringMap(extra: Cdr['extra']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra ?? {})) out[k] = v === null ? '' : String(v);
  return out;
}

interface CdrRowOut {
  id: string;
  call_id: string;
  tenant: string;
  account: string;
  caller: string;
  callee: string;
  src_ip: string;
  started: string;
  answered: string | null;
  ended: string;
  duration_sec: number;
  bill_sec: number;
  disposition: Cdr['disposition'];
  direction: string;
  cost: number | null;
  currency: string;
  trunk: string;
  user_agent: string;
  extra: Record<string, string>;
}

/** A stored row back to the Cdr the engine saw (extra values come back as text; rules never read them). */
function fromRow(r: CdrRowOut): Cdr {
  const cdr: Record<string, unknown> = {
    id: r.id,
    tenant: r.tenant,
    account: r.account,
    caller: r.caller,
    callee: r.callee,
    startedAt: Number(r.started),
    answeredAt: r.answered === null ? null : Number(r.answered),
    endedAt: Number(r.ended),
    durationSec: r.duration_sec,
    billSec: r.bill_sec,
    disposition: r.disposition,
  };
  if (r.call_id) cdr['callId'] = r.call_id;
  if (r.src_ip) cdr['srcIp'] = r.src_ip;
  if (r.direction) cdr['direction'] = r.direction;
  if (r.cost !== null) cdr['cost'] = r.cost;
  if (r.currency) cdr['currency'] = r.currency;
  if (r.trunk) cdr['trunk'] = r.trunk;
  if (r.user_agent) cdr['userAgent'] = r.user_agent;
  if (Object.keys(r.extra).length > 0) cdr['extra'] = r.extra;
  return cdr as Cdr;
}
