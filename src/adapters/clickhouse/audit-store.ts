import type { ClickHouseClient } from '@clickhouse/client';
import type { Page } from '../../api/ports.js';
import type { AuditAnchor, AuditCheckpoint, AuditRecord } from '../../domain/security/audit-chain.js';
import type { AuditSearch } from '../../security/ports.js';
import { ident } from './client.js';
import { insertRows, runStatement, selectRows } from './queries.js';

const AUDIT_COLUMNS = `chain, seq, toUnixTimestamp64Milli(at) AS at_ms, actor, event_type, result, source_ip, details, prev_hash, hash`;
/** Sort keys are picked from a fixed list, never from request text. */
const SORT_SQL: Record<AuditSearch['sort'], string> = {
  at: 'at',
  chain: 'chain',
  seq: 'seq',
  actor: 'actor',
  event_type: 'event_type',
  result: 'result',
  source_ip: 'source_ip',
  details: 'details',
};

/** The audit trail's chains, anchors, search and quota cuts in ClickHouse (A2-A6); bound parameters only. */
export class ClickHouseAuditStore {
  protected readonly db: string;

  constructor(
    protected readonly client: ClickHouseClient,
    database: string,
  ) {
    this.db = ident(database);
  }

  appendAudit(records: readonly AuditRecord[]): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.audit_log`,
      records.map((r) => ({
        chain: r.chain,
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        event_type: r.eventType,
        result: r.result,
        source_ip: r.sourceIp,
        details: r.details,
        prev_hash: r.prevHash,
        hash: r.hash,
      })),
      'none',
    );
  }

  async auditTail(chain: string): Promise<{ seq: number; hash: string } | undefined> {
    const rows = await selectRows<{ seq: string; hash: string }>(
      this.client,
      `SELECT seq, hash FROM ${this.db}.audit_log WHERE chain = {chain:String} ORDER BY seq DESC LIMIT 1`,
      { chain },
      'audit tail',
    );
    const anchors = await selectRows<{ first_seq: string; prev_hash: string }>(
      this.client,
      `SELECT first_seq, prev_hash FROM ${this.db}.audit_anchors WHERE chain = {chain:String} ORDER BY first_seq DESC LIMIT 1`,
      { chain },
      'audit anchor',
    );
    const row = rows[0];
    const anchor = anchors[0];
    if (row && (!anchor || Number(row.seq) >= Number(anchor.first_seq))) return { seq: Number(row.seq), hash: row.hash };
    // every record was cut by the quota: the chain resumes after its newest anchor
    return anchor ? { seq: Number(anchor.first_seq) - 1, hash: anchor.prev_hash } : undefined;
  }

  async auditPage(chain: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const rows = await selectRows<AuditRow>(
      this.client,
      `SELECT ${AUDIT_COLUMNS} FROM ${this.db}.audit_log WHERE chain = {chain:String} AND seq > {after:UInt64} ORDER BY seq, hash LIMIT {limit:UInt32}`,
      { chain, after: afterSeq, limit },
      'audit page',
    );
    return rows.map(auditOf);
  }

  async auditChains(): Promise<string[]> {
    const rows = await selectRows<{ chain: string }>(
      this.client,
      `SELECT DISTINCT toString(chain) AS chain FROM ${this.db}.audit_log UNION DISTINCT SELECT chain FROM ${this.db}.audit_anchors`,
      {},
      'audit chains',
    );
    return rows.map((r) => r.chain).sort();
  }

  async anchors(): Promise<AuditAnchor[]> {
    const rows = await selectRows<{ chain: string; first_seq: string; prev_hash: string; at_ms: string; reason: AuditAnchor['reason']; mac: string }>(
      this.client,
      `SELECT chain, first_seq, prev_hash, toUnixTimestamp64Milli(at) AS at_ms, reason, mac FROM ${this.db}.audit_anchors ORDER BY chain, first_seq`,
      {},
      'audit anchors',
    );
    return rows.map((r) => ({ chain: r.chain, firstSeq: Number(r.first_seq), prevHash: r.prev_hash, at: Number(r.at_ms), reason: r.reason, mac: r.mac }));
  }

  saveAnchor(a: AuditAnchor): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.audit_anchors`,
      [{ chain: a.chain, first_seq: a.firstSeq, prev_hash: a.prevHash, at: a.at, reason: a.reason, mac: a.mac }],
      'none',
    );
  }

  async searchAudit(q: AuditSearch): Promise<Page<AuditRecord>> {
    const order = q.order === 'asc' ? 'ASC' : 'DESC';
    const rows = await selectRows<AuditRow & { total: string }>(
      this.client,
      `SELECT ${AUDIT_COLUMNS}, count() OVER () AS total FROM ${this.db}.audit_log
       WHERE ({text:Nullable(String)} IS NULL OR positionCaseInsensitiveUTF8(concat(toString(chain), ' ', toString(seq), ' ', toString(at), ' ', actor, ' ', toString(event_type), ' ', toString(result), ' ', source_ip, ' ', details), assumeNotNull({text:Nullable(String)})) > 0)
         AND ({event:Nullable(String)} IS NULL OR event_type = {event:Nullable(String)})
         AND ({actor:Nullable(String)} IS NULL OR actor = {actor:Nullable(String)})
         AND ({result:Nullable(String)} IS NULL OR toString(result) = {result:Nullable(String)})
         AND ({since:Nullable(Int64)} IS NULL OR at >= fromUnixTimestamp64Milli(assumeNotNull({since:Nullable(Int64)})))
         AND ({until:Nullable(Int64)} IS NULL OR at < fromUnixTimestamp64Milli(assumeNotNull({until:Nullable(Int64)})))
       ORDER BY ${SORT_SQL[q.sort]} ${order}, at ${order}, chain, seq LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      {
        text: q.text ?? null,
        event: q.eventType ?? null,
        actor: q.actor ?? null,
        result: q.result ?? null,
        since: q.since ?? null,
        until: q.until ?? null,
        limit: q.limit,
        offset: q.offset,
      },
      'search audit',
    );
    return { items: rows.map(auditOf), total: Number(rows[0]?.total ?? 0) };
  }

  async auditCount(): Promise<number> {
    const rows = await selectRows<{ n: string }>(this.client, `SELECT count() AS n FROM ${this.db}.audit_log`, {}, 'audit count');
    return Number(rows[0]?.n ?? 0);
  }

  async oldestAudit(n: number): Promise<{ chain: string; seq: number; hash: string }[]> {
    const rows = await selectRows<{ chain: string; upto: string; upto_hash: string }>(
      this.client,
      `SELECT toString(chain) AS chain, max(seq) AS upto, argMax(hash, seq) AS upto_hash
       FROM (SELECT chain, seq, hash FROM ${this.db}.audit_log ORDER BY at, chain, seq LIMIT {n:UInt32}) GROUP BY chain`,
      { n },
      'oldest audit records',
    );
    return rows.map((r) => ({ chain: r.chain, seq: Number(r.upto), hash: r.upto_hash }));
  }

  async auditCheckpoints(): Promise<AuditCheckpoint[]> {
    const rows = await selectRows<{
      chain: string;
      seq: string;
      hash: string;
      first_seq: string;
      verified_ms: string;
      full_ms: string;
      problem: string;
      mac: string;
    }>(
      this.client,
      `SELECT chain, seq, hash, first_seq, toUnixTimestamp64Milli(verified_at) AS verified_ms, toUnixTimestamp64Milli(full_at) AS full_ms, problem, mac
       FROM ${this.db}.audit_checkpoints FINAL ORDER BY chain`,
      {},
      'audit checkpoints',
    );
    return rows.map((r) => ({
      chain: r.chain,
      seq: Number(r.seq),
      hash: r.hash,
      firstSeq: Number(r.first_seq),
      verifiedAt: Number(r.verified_ms),
      fullAt: Number(r.full_ms),
      problem: r.problem,
      mac: r.mac,
    }));
  }

  saveAuditCheckpoints(checkpoints: readonly AuditCheckpoint[]): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.audit_checkpoints`,
      checkpoints.map((c) => ({
        chain: c.chain,
        seq: c.seq,
        hash: c.hash,
        first_seq: c.firstSeq,
        verified_at: c.verifiedAt,
        full_at: c.fullAt,
        problem: c.problem,
        mac: c.mac,
        version: c.verifiedAt,
      })),
      'none',
    );
  }

  pruneAudit(chain: string, uptoSeq: number): Promise<void> {
    return runStatement(
      this.client,
      `DELETE FROM ${this.db}.audit_log WHERE chain = {chain:String} AND seq <= {upto:UInt64}`,
      { chain, upto: uptoSeq },
      'audit quota cut',
    );
  }
}

interface AuditRow {
  chain: string;
  seq: string;
  at_ms: string;
  actor: string;
  event_type: string;
  result: AuditRecord['result'];
  source_ip: string;
  details: string;
  prev_hash: string;
  hash: string;
}

function auditOf(r: AuditRow): AuditRecord {
  return {
    chain: r.chain,
    seq: Number(r.seq),
    at: Number(r.at_ms),
    actor: r.actor,
    eventType: r.event_type,
    result: r.result,
    sourceIp: r.source_ip,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
