import { z } from 'zod';
import { NO_EVIDENCE, type Block } from '../blocks/block.js';
import { BLOCK_SCOPES, KEY_KINDS } from '../rules/spec.js';
import { iso } from '../time/iso.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../rules/duration.js';
import { subjectText, type Subject, type Verdict } from './verdicts.js';

/**
 * The one wire form of a verdict: `sentinela replay` NDJSON, the alerts and blocks topics, the webhook push body.
 * Key order is fixed so identical verdicts are byte-identical. A block's origin and state (source, createdBy,
 * state, lift) appear once they differ from a rule's fresh block, so a rule verdict reads the same everywhere.
 */
export function verdictJson(v: Verdict): string {
  return JSON.stringify(verdictObject(v));
}

export function verdictObject(v: Verdict): Record<string, unknown> {
  const head = { kind: v.kind, id: v.id, tenant: v.tenant, rule: v.rule, severity: v.severity, subject: subjectText(v.subject) };
  if (v.kind === 'alert') return { ...head, at: iso(v.at), evidence: v.evidence, details: v.details };
  const origin = v.source !== 'rule' || v.createdBy !== '' || v.state !== 'active';
  return {
    ...head,
    at: iso(v.startsAt),
    startsAt: iso(v.startsAt),
    expiresAt: iso(v.expiresAt),
    level: v.level,
    scope: v.scope,
    ...(v.throttle ? { throttle: { calls: v.throttle.calls, per: formatDuration(v.throttle.perMs) } } : {}),
    reason: v.reason,
    evidence: v.evidence,
    ...(origin ? { source: v.source, createdBy: v.createdBy, state: v.state } : {}),
    ...(v.state === 'lifted' ? { liftedAt: iso(v.liftedAt ?? v.startsAt), liftedBy: v.liftedBy ?? '', liftReason: v.liftReason ?? '' } : {}),
  };
}

const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const subject = z.string().transform((s, ctx): Subject => {
  const colon = s.indexOf(':');
  const kind = s.slice(0, colon);
  if (colon < 1 || !(KEY_KINDS as readonly string[]).includes(kind)) {
    ctx.issues.push({ code: 'custom', input: s, message: `subject must be kind:value with kind one of ${KEY_KINDS.join(', ')}` });
    return z.NEVER;
  }
  return { kind: kind as Subject['kind'], value: s.slice(colon + 1) };
});

const blockWire = z.object({
  kind: z.literal('block'),
  id: z.string().min(1),
  tenant: z.string().min(1),
  rule: z.string().min(1),
  subject,
  startsAt: instant,
  expiresAt: instant,
  level: z.int().min(1),
  scope: z.enum(BLOCK_SCOPES),
  throttle: z
    .object({ calls: z.int().min(1), per: z.string().regex(DURATION_PATTERN) })
    .transform((t) => ({ calls: t.calls, perMs: parseDuration(t.per) as number }))
    .optional(),
  reason: z.string(),
  evidence: z.array(z.string()).default([]),
  source: z.enum(['rule', 'manual']).default('rule'),
  createdBy: z.string().default(''),
  state: z.enum(['active', 'lifted']).default('active'),
  liftedAt: instant.optional(),
  liftedBy: z.string().optional(),
  liftReason: z.string().optional(),
});

/** A block from its wire form (verdictJson); throws a ZodError or SyntaxError on bad input. */
export function parseBlockJson(text: string): Block {
  return parseBlockObject(JSON.parse(text));
}

/** A block from its wire form already parsed as JSON (the `block` of a webhook push); throws a ZodError on bad input. */
export function parseBlockObject(value: unknown): Block {
  const { liftedAt, liftedBy, liftReason, evidence, throttle, ...b } = blockWire.parse(value);
  return {
    ...b,
    ...(throttle !== undefined ? { throttle } : {}),
    severity: 'critical',
    evidence: evidence.length === 0 ? NO_EVIDENCE : evidence,
    ...(liftedAt !== undefined ? { liftedAt } : {}),
    ...(liftedBy !== undefined ? { liftedBy } : {}),
    ...(liftReason !== undefined ? { liftReason } : {}),
  };
}

/** A verdict in brief: what an ingest answer lists and an alarm carries (the full verdict is stored and published). */
export interface VerdictBrief {
  readonly kind: 'alert' | 'block';
  readonly id: string;
  readonly tenant: string;
  readonly rule: string;
  readonly severity: 'warn' | 'critical';
  readonly subject: string;
  /** Event time (alerts) or block start, ISO-8601. */
  readonly at: string;
  readonly expiresAt?: string;
  /** A block that is a throttle (graded action): the rate it allows, e.g. `2/1m`. */
  readonly throttle?: string;
  /** A block's lifted state (an operator's lift, or a throttle its rule's block superseded), ISO-8601: no longer in force. */
  readonly liftedAt?: string;
}

export function verdictBrief(v: Verdict): VerdictBrief {
  const head = { kind: v.kind, id: v.id, tenant: v.tenant, rule: v.rule, severity: v.severity, subject: subjectText(v.subject) };
  if (v.kind === 'alert') return { ...head, at: iso(v.at) };
  const rate = v.throttle ? { throttle: `${v.throttle.calls}/${formatDuration(v.throttle.perMs)}` } : {};
  const lifted = v.state === 'lifted' ? { liftedAt: iso(v.liftedAt ?? v.startsAt) } : {};
  return { ...head, at: iso(v.startsAt), expiresAt: iso(v.expiresAt), ...rate, ...lifted };
}
