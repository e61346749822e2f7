import { z } from 'zod';
import { KEY_KINDS, BLOCK_SCOPES } from '../../domain/rules/spec.js';
import { DURATION_PATTERN } from '../../domain/rules/duration.js';

/** Response shapes shared by routes (they make the OpenAPI document at /docs). */
export const errorBody = z.object({
  code: z.string().describe('stable error code (src/errors.ts)'),
  message: z.string(),
  path: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const rate = z
  .object({ calls: z.number(), per: z.string().describe('duration, e.g. 1m') })
  .describe('graded action: at most `calls` calls of the subject in any `per`');

export const reason = z.object({
  rule: z.string(),
  subject: z.string().describe('kind:value'),
  expiresAt: z.string().nullable(),
  blockId: z.string().optional(),
  code: z.string().optional().describe('stable error code (src/errors.ts) when the request itself is refused, e.g. CALLEE_NOT_DIALABLE'),
  detail: z.string().optional().describe('what the reason measured, e.g. "11 live international calls (cap 10)"'),
  throttle: rate.optional(),
  source: z.string().optional().describe('hotlist reasons: where the entry came from (apiban, file:…, alert:<id>, operator:<user>)'),
  category: z.string().optional(),
});

export const checkAnswer = z.object({
  action: z
    .enum(['allow', 'block', 'throttle'])
    .describe('throttle: route this call; the subject is held to `throttle` and calls beyond it are answered block'),
  reasons: z.array(reason).readonly(),
  throttle: rate.optional(),
  policy: z.enum(['normal', 'fail-open', 'fail-closed']).describe('what produced the answer'),
  degraded: z.enum(['loading', 'stale', 'overload']).optional(),
  emergency: z.literal(true).optional(),
});

const iso = z.string().describe('ISO-8601 instant');
export const blockView = z.object({
  id: z.string(),
  tenant: z.string(),
  rule: z.string(),
  subject: z.string(),
  reason: z.string(),
  level: z.number(),
  scope: z.enum(BLOCK_SCOPES),
  throttle: rate.optional(),
  startsAt: iso,
  expiresAt: iso,
  source: z.enum(['rule', 'manual']),
  createdBy: z.string(),
  state: z.enum(['active', 'lifted']),
  liftedAt: iso.optional(),
  liftedBy: z.string().optional(),
  liftReason: z.string().optional(),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number(), limit: z.number(), offset: z.number() });
export const paging = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

export const subjectKind = z.enum(KEY_KINDS);
export const durationText = z.string().regex(DURATION_PATTERN, 'must be a duration such as 30m, 2h or 1d');
export const reasonText = z.string().trim().min(3, 'a reason is required (at least 3 characters)').max(500);
