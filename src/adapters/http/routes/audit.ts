import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_SORT_COLUMNS } from '../../../security/ports.js';
import type { Security } from '../../../security/security.js';
import { SentinelaError } from '../../../errors.js';
import { actorOf } from '../auth.js';
import { errorBody, page, paging } from '../schemas.js';
import { iso } from '../../../domain/time/iso.js';

/** EV09: shown with every audit read. */
export const CONFIDENTIALITY_NOTICE =
  'CONFIDENTIAL: audit records are for authorised review only. Every access is itself audited; any attempt to alter or delete records ends your session and blocks new logins.';

const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const chainReport = z.object({
  chain: z.string(),
  ok: z.boolean(),
  checked: z.number(),
  firstSeq: z.number().nullable(),
  lastSeq: z.number().nullable(),
  problem: z.object({ kind: z.string(), seq: z.number(), message: z.string() }).optional(),
  resumedAfter: z.number().optional().describe('records up to here were verified by an earlier pass; `checked` counts the newer ones'),
});
const integrity = z.object({
  ok: z.boolean(),
  verifiedAt: z.string().nullable().describe('when this state was verified (null: never yet)'),
  fullPassAt: z.string().nullable().describe("the oldest of the chains' last full passes"),
  mode: z.enum(['full', 'incremental', 'stored']),
  chains: z.array(chainReport),
});
const auditView = z.object({
  at: z.string(),
  chain: z.string(),
  seq: z.number(),
  actor: z.string(),
  eventType: z.string(),
  result: z.enum(['success', 'failure']),
  sourceIp: z.string(),
  details: z.string().describe('JSON'),
  hash: z.string(),
  intact: z.boolean().describe("the record's MAC checks out"),
});

/** The audit trail: search any substring, sort by any column (A3); verify (A5); switches (A4). Records are never edited. */
export const auditRoutes: FastifyPluginAsyncZod<{ security: Security }> = async (app, { security }) => {
  const tags = ['audit'];
  const integrityJson = (i: Awaited<ReturnType<Security['audit']['verify']>>) => ({
    ok: i.ok,
    verifiedAt: i.verifiedAt === null ? null : iso(i.verifiedAt),
    fullPassAt: i.fullPassAt === null ? null : iso(i.fullPassAt),
    mode: i.mode,
    chains: i.chains.map((c) => ({ ...c })),
  });

  app.get(
    '/v1/audit',
    {
      config: { access: 'audit.read' },
      schema: {
        tags,
        summary: 'Search and sort audit records (every read is audited; it shows the last verified state of the chains, never waiting for a pass)',
        querystring: z.strictObject({
          q: z.string().max(200).optional().describe('substring of any column'),
          eventType: z.string().max(64).optional(),
          actor: z.string().max(128).optional(),
          result: z.enum(['success', 'failure']).optional(),
          since: instant.optional(),
          until: instant.optional(),
          sort: z.enum(AUDIT_SORT_COLUMNS).default('at'),
          order: z.enum(['asc', 'desc']).default('desc'),
          ...paging,
        }),
        response: { 200: page(auditView).extend({ notice: z.string(), integrity }), 400: errorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const found = await security.audit.search(
        {
          text: q.q,
          eventType: q.eventType,
          actor: q.actor,
          result: q.result,
          since: q.since,
          until: q.until,
          sort: q.sort,
          order: q.order,
          limit: q.limit,
          offset: q.offset,
        },
        { actor: actorOf(request).id, ip: request.ip },
      );
      return {
        notice: CONFIDENTIALITY_NOTICE,
        integrity: integrityJson(found.integrity),
        total: found.total,
        limit: q.limit,
        offset: q.offset,
        items: found.items.map((r) => ({
          at: iso(r.at),
          chain: r.chain,
          seq: r.seq,
          actor: r.actor,
          eventType: r.eventType,
          result: r.result,
          sourceIp: r.sourceIp,
          details: r.details,
          hash: r.hash,
          intact: r.intact,
        })),
      };
    },
  );

  app.post(
    '/v1/audit/verify',
    {
      config: { access: 'audit.read' },
      schema: {
        tags,
        summary: 'Verify every audit chain now, every record from its anchor; a break is reported with its position and raises an alarm',
        response: { 200: integrity.extend({ notice: z.string() }) },
      },
    },
    async (request) => {
      const result = await security.audit.verify();
      await security.audit.record({
        type: 'audit.verify',
        actor: actorOf(request).id,
        ip: request.ip,
        result: result.ok ? 'success' : 'failure',
        details: { chains: result.chains.length, ok: result.ok },
      });
      return { notice: CONFIDENTIALITY_NOTICE, ...integrityJson(result) };
    },
  );

  const switchView = z.object({ type: z.string(), description: z.string(), enabled: z.boolean(), mandatory: z.boolean() });
  app.get(
    '/v1/audit/switches',
    {
      config: { access: 'audit.read' },
      schema: { tags, summary: 'Audited event types and whether each is on (A4)', response: { 200: z.object({ items: z.array(switchView) }) } },
    },
    async () => ({ items: security.audit.switchList() }),
  );

  app.put(
    '/v1/audit/switches/:type',
    {
      config: { access: 'audit.configure' },
      schema: {
        tags,
        summary: 'Switch an event type on or off (audited; mandatory types stay on)',
        params: z.object({ type: z.string().min(1).max(64) }),
        body: z.strictObject({ enabled: z.boolean() }),
        response: { 200: switchView, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => {
      await security.audit.setSwitch(request.params.type, request.body.enabled, { actor: actorOf(request).id, ip: request.ip });
      return security.audit.switchList().find((s) => s.type === request.params.type);
    },
  );

  // EV09: nobody edits or deletes audit records; trying to is itself a security event
  const tamper = async (request: FastifyRequest) => {
    const actor = actorOf(request);
    await security.audit.record({
      type: 'audit.tamper_attempt',
      actor: actor.id,
      ip: request.ip,
      result: 'failure',
      details: { method: request.method, url: request.url.slice(0, 200) },
    });
    await security.accounts.lock(actor.id, `attempted to ${request.method} audit records (EV09)`);
    security.alarms.raise({
      key: `audit-tamper:${actor.id}`,
      kind: 'security',
      severity: 'critical',
      title: `${actor.id} tried to ${request.method} audit records; session ended, logins blocked`,
      details: { user: actor.id, ip: request.ip, url: request.url.slice(0, 200) },
    });
    throw new SentinelaError(
      'METHOD_NOT_ALLOWED',
      `${CONFIDENTIALITY_NOTICE} Your session has ended and new logins are blocked until an administrator unlocks you.`,
    );
  };
  for (const url of ['/v1/audit', '/v1/audit/:seq']) {
    for (const method of ['DELETE', 'PUT', 'PATCH'] as const) {
      app.route({
        method,
        url,
        config: { access: 'self' },
        schema: { tags, summary: 'Refused: audit records cannot be changed (EV09)', hide: true },
        handler: tamper,
      });
    }
  }
};
