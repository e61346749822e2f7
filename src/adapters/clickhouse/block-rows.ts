import { blockVersion, NO_EVIDENCE, type Block } from '../../domain/blocks/block.js';

/** The columns every block read selects; `blockOfRow` maps them back. */
export const BLOCK_COLUMNS = `id, tenant, subject_kind, subject_value, rule, reason, level, scope, source, created_by,
  toUnixTimestamp64Milli(starts_at) AS starts, toUnixTimestamp64Milli(expires_at) AS expires,
  toUnixTimestamp64Milli(lifted_at) AS lifted, lifted_by, lift_reason, throttle_calls, throttle_per_ms`;

export interface BlockRow {
  id: string;
  tenant: string;
  subject_kind: string;
  subject_value: string;
  rule: string;
  reason: string;
  level: number;
  scope: Block['scope'];
  source: Block['source'];
  created_by: string;
  starts: string;
  expires: string;
  lifted: string | null;
  lifted_by: string;
  lift_reason: string;
  /** 0 for a block proper; else a throttle's rate (migration 009). */
  throttle_calls: number;
  throttle_per_ms: number;
}

/** The one row form of a block in `blocks` (every writer: pipeline, attempt rules, operators, lifts). */
export function blockRow(b: Block): Record<string, unknown> {
  return {
    id: b.id,
    tenant: b.tenant,
    subject_kind: b.subject.kind,
    subject_value: b.subject.value,
    rule: b.rule,
    reason: b.reason,
    level: b.level,
    scope: b.scope,
    throttle_calls: b.throttle?.calls ?? 0,
    throttle_per_ms: b.throttle?.perMs ?? 0,
    starts_at: b.startsAt,
    expires_at: b.expiresAt,
    source: b.source,
    created_by: b.createdBy,
    lifted_at: b.state === 'lifted' ? (b.liftedAt ?? null) : null,
    lifted_by: b.liftedBy ?? '',
    lift_reason: b.liftReason ?? '',
    version: blockVersion(b),
  };
}

export function blockOfRow(r: BlockRow): Block {
  const base = {
    kind: 'block' as const,
    id: r.id,
    tenant: r.tenant,
    rule: r.rule,
    severity: 'critical' as const,
    subject: { kind: r.subject_kind as Block['subject']['kind'], value: r.subject_value },
    reason: r.reason,
    level: r.level,
    scope: r.scope,
    ...(Number(r.throttle_calls) > 0 ? { throttle: { calls: Number(r.throttle_calls), perMs: Number(r.throttle_per_ms) } } : {}),
    startsAt: Number(r.starts),
    expiresAt: Number(r.expires),
    evidence: NO_EVIDENCE,
    source: r.source,
    createdBy: r.created_by,
  };
  return r.lifted === null
    ? { ...base, state: 'active' }
    : { ...base, state: 'lifted', liftedAt: Number(r.lifted), liftedBy: r.lifted_by, liftReason: r.lift_reason };
}
