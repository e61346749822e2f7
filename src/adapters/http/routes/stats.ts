import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StatsRange, StatsStep, StatsStore } from '../../../api/ports.js';
import { iso } from '../../../domain/time/iso.js';
import { SentinelaError } from '../../../errors.js';
import { scopeOf } from '../auth.js';
import { errorBody } from '../schemas.js';
import type { Visible } from './blocks.js';

/** Charts up to this long are drawn minute by minute; longer ones hour by hour. */
export const MINUTE_STEP_MAX_MS = 6 * 3_600_000;
/** The minute rollups keep 30 days (migrations/010_rollups.sql); older charts read the hour ones. */
export const MINUTE_RETENTION_MS = 30 * 86_400_000;
/** Charts up to this long are drawn hour by hour; longer ones day by day (30 days: 30 points, not 720). */
export const HOUR_STEP_MAX_MS = 14 * 86_400_000;
/** The hour rollups keep 400 days: a longer chart would only show missing data. */
const LONGEST_MS = 400 * 86_400_000;

export function stepOf(from: number, to: number, now: number): StatsStep {
  if (to - from <= MINUTE_STEP_MAX_MS && from >= now - MINUTE_RETENTION_MS) return 'minute';
  return to - from <= HOUR_STEP_MAX_MS ? 'hour' : 'day';
}

const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const span = {
  from: instant.describe('ISO-8601 start (included)'),
  to: instant.describe('ISO-8601 end (excluded)'),
  tenant: z.string().min(1).max(64).optional(),
};
const step = z
  .enum(['minute', 'hour', 'day'])
  .describe('minute when to - from is 6 h or less (and within the last 30 days), hour up to 14 days, else day (UTC days)');
const t = z.string().describe('ISO-8601 start of the minute, hour or day');

/**
 * The NOC charts (issue 17): traffic, cost, alerts and blocks, rule effectiveness, block-check decisions and the
 * accounts that spend most, read from the rollups (never the CDRs). Aggregates per account, so they cannot be narrowed
 * to a `user`'s extensions: the `stats.read` permission is not theirs. A `user` given it would see their tenant only.
 */
export const statsRoutes: FastifyPluginAsyncZod<{ store: StatsStore; clock: () => number; visible: Visible }> = async (app, { store, clock, visible }) => {
  const tags = ['stats'];
  const config = { access: 'stats.read' } as const;
  const rangeOf = (request: FastifyRequest, q: { from: number; to: number; tenant?: string | undefined }): StatsRange => {
    if (q.to <= q.from) throw new SentinelaError('REQUEST_INVALID', 'to must be after from', { path: 'to' });
    if (q.to - q.from > LONGEST_MS) throw new SentinelaError('REQUEST_INVALID', 'at most 400 days (the hour rollups keep 400 days)', { path: 'from' });
    const scope = scopeOf(request, visible);
    return { from: q.from, to: q.to, step: stepOf(q.from, q.to, clock()), tenant: scope ? scope.tenant : q.tenant };
  };

  app.get(
    '/v1/stats/traffic',
    {
      config,
      schema: {
        tags,
        summary: 'Calls, answered calls, billed minutes and cost over time (optionally per destination country)',
        querystring: z.strictObject({ ...span, by: z.enum(['country']).optional() }),
        response: {
          200: z.object({
            step,
            points: z.array(
              z.object({ t, calls: z.number(), answered: z.number(), billedMinutes: z.number(), cost: z.number(), country: z.string().optional() }),
            ),
          }),
          400: errorBody,
        },
      },
    },
    async (request) => {
      const range = rangeOf(request, request.query);
      const points = await store.traffic(range, request.query.by === 'country');
      return { step: range.step, points: points.map((p) => ({ ...p, t: iso(p.t) })) };
    },
  );

  app.get(
    '/v1/stats/alerts',
    {
      config,
      schema: {
        tags,
        summary: 'Alerts and blocks over time, per rule and severity',
        querystring: z.strictObject(span),
        response: {
          200: z.object({ step, points: z.array(z.object({ t, rule: z.string(), severity: z.string(), alerts: z.number(), blocks: z.number() })) }),
          400: errorBody,
        },
      },
    },
    async (request) => {
      const range = rangeOf(request, request.query);
      const points = await store.alertStats(range);
      return { step: range.step, points: points.map((p) => ({ ...p, t: iso(p.t) })) };
    },
  );

  app.get(
    '/v1/stats/rules',
    {
      config,
      schema: {
        tags,
        summary: 'Rule effectiveness: alerts, acknowledged, false positives (rate among the triaged alerts)',
        querystring: z.strictObject(span),
        response: {
          200: z.object({
            rules: z.array(
              z.object({ rule: z.string(), alerts: z.number(), acknowledged: z.number(), falsePositives: z.number(), falsePositiveRate: z.number() }),
            ),
          }),
          400: errorBody,
        },
      },
    },
    async (request) => ({ rules: await store.ruleEffects(rangeOf(request, request.query)) }),
  );

  app.get(
    '/v1/stats/decisions',
    {
      config,
      schema: {
        tags,
        summary: 'Block-check answers over time: allowed (throttled included), blocked, fail-open, fail-closed, shed',
        querystring: z.strictObject(span),
        response: {
          200: z.object({
            step,
            points: z.array(z.object({ t, allow: z.number(), block: z.number(), failOpen: z.number(), failClosed: z.number(), shed: z.number() })),
          }),
          400: errorBody,
        },
      },
    },
    async (request) => {
      const range = rangeOf(request, request.query);
      const points = await store.decisionStats(range);
      return { step: range.step, points: points.map((p) => ({ ...p, t: iso(p.t) })) };
    },
  );

  app.get(
    '/v1/stats/top-accounts',
    {
      config,
      schema: {
        tags,
        summary: 'The accounts that spent most (cost: the CDR cost, else the rate table estimate)',
        querystring: z.strictObject({ ...span, limit: z.coerce.number().int().min(1).max(100).default(10) }),
        response: {
          200: z.object({ accounts: z.array(z.object({ tenant: z.string(), account: z.string(), calls: z.number(), cost: z.number() })) }),
          400: errorBody,
        },
      },
    },
    async (request) => ({ accounts: await store.topAccounts(rangeOf(request, request.query), request.query.limit) }),
  );
};
