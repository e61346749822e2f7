import { z } from 'zod';
import { KEY_KINDS, BLOCK_SCOPES } from '../rules/spec.js';
import { subjectText, type Block, type Subject } from '../engine/verdicts.js';

/**
 * A block as it travels between Sentinela instances (the `sentinela.blocks` topic, the embedded pipeline) and
 * lives in every API replica's block table: the engine's Block plus who made it and whether it was lifted.
 */
export interface BlockRecord extends Omit<Block, 'kind' | 'severity' | 'evidence'> {
  /** `rule`: issued by a CDR or attempt rule · `manual`: an operator's block (admin API). */
  readonly source: 'rule' | 'manual';
  readonly createdBy: string;
  readonly state: 'active' | 'lifted';
  readonly liftedAt?: number;
  readonly liftedBy?: string;
  readonly liftReason?: string;
}

export function recordOfBlock(b: Block): BlockRecord {
  return {
    id: b.id,
    tenant: b.tenant,
    rule: b.rule,
    subject: b.subject,
    reason: b.reason,
    level: b.level,
    scope: b.scope,
    startsAt: b.startsAt,
    expiresAt: b.expiresAt,
    source: 'rule',
    createdBy: '',
    state: 'active',
  };
}

export function liftRecord(r: BlockRecord, at: number, by: string, reason: string): BlockRecord {
  return { ...r, state: 'lifted', liftedAt: at, liftedBy: by, liftReason: reason };
}

/** Kafka key of a block: every state of one block (active, lifted) lands on one partition, in order. */
export const blockKey = (r: Pick<BlockRecord, 'tenant' | 'subject' | 'rule'>): string => `${r.tenant}|${subjectText(r.subject)}|${r.rule}`;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The JSON form on the blocks topic: the verdict form of a block (verdictJson) plus source and state. */
export function blockRecordJson(r: BlockRecord): string {
  return JSON.stringify({
    kind: 'block',
    id: r.id,
    tenant: r.tenant,
    rule: r.rule,
    severity: 'critical',
    subject: subjectText(r.subject),
    at: iso(r.startsAt),
    startsAt: iso(r.startsAt),
    expiresAt: iso(r.expiresAt),
    level: r.level,
    scope: r.scope,
    reason: r.reason,
    source: r.source,
    createdBy: r.createdBy,
    state: r.state,
    ...(r.state === 'lifted' ? { liftedAt: iso(r.liftedAt ?? r.startsAt), liftedBy: r.liftedBy ?? '', liftReason: r.liftReason ?? '' } : {}),
  });
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

/** Parses a block message: the processor's verdict form (state from the header) or the full record form. */
export const blockMessage = z
  .object({
    kind: z.literal('block'),
    id: z.string().min(1),
    tenant: z.string().min(1),
    rule: z.string().min(1),
    subject,
    startsAt: instant,
    expiresAt: instant,
    level: z.int().min(1),
    scope: z.enum(BLOCK_SCOPES),
    reason: z.string(),
    source: z.enum(['rule', 'manual']).default('rule'),
    createdBy: z.string().default(''),
    state: z.enum(['active', 'lifted']).optional(),
    liftedAt: instant.optional(),
    liftedBy: z.string().optional(),
    liftReason: z.string().optional(),
  })
  .transform(({ state, ...r }) => ({ ...r, state }));

/** A block message from its bytes and its `state` header; throws a ZodError or SyntaxError on bad input. */
export function parseBlockMessage(value: string, headerState: string | undefined): BlockRecord {
  const parsed = blockMessage.parse(JSON.parse(value));
  const state = parsed.state ?? (headerState === 'lifted' ? 'lifted' : 'active');
  const { liftedAt, liftedBy, liftReason, kind: _block, ...rest } = parsed;
  void _block;
  return { ...rest, state, ...(liftedAt !== undefined ? { liftedAt } : {}), ...(liftedBy !== undefined ? { liftedBy } : {}), ...(liftReason !== undefined ? { liftReason } : {}) };
}
