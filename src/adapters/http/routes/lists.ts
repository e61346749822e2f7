import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TENANT_NAME } from '../../../domain/cdr/contract.js';
import { HOTLIST_KINDS, type HotlistEntry } from '../../../domain/lists/hotlist-entry.js';
import { parseDuration } from '../../../domain/rules/duration.js';
import { iso } from '../../../domain/time/iso.js';
import { SentinelaError } from '../../../errors.js';
import { ipFeedPage } from '../../../lists/feed.js';
import type { Hotlists } from '../../../lists/hotlists.js';
import type { HotlistStore } from '../../../lists/ports.js';
import { actorOf } from '../auth.js';
import { durationText, errorBody, page, paging, reasonText } from '../schemas.js';

export interface ListDeps {
  readonly service: Hotlists;
  readonly store: HotlistStore;
}

const entryView = z.object({
  id: z.string(),
  type: z.enum(HOTLIST_KINDS),
  value: z.string(),
  tenant: z.string().describe('"*": every tenant'),
  source: z.string(),
  category: z.string(),
  reason: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().nullable(),
  removedAt: z.string().nullable(),
  removedBy: z.string(),
});

function entryJson(e: HotlistEntry): z.infer<typeof entryView> {
  return {
    id: e.id,
    type: e.kind,
    value: e.value,
    tenant: e.tenant === '' ? '*' : e.tenant,
    source: e.source,
    category: e.category,
    reason: e.reason,
    createdAt: iso(e.createdAt),
    createdBy: e.createdBy,
    expiresAt: e.expiresAt === null ? null : iso(e.expiresAt),
    removedAt: e.removedAt === null ? null : iso(e.removedAt),
    removedBy: e.removedBy,
  };
}

/**
 * The tenants a caller may see: a tenant's PBX key, or a user of role `user` (bound to a tenant, like scopeOf), sees
 * its tenant and the global list (''); the other roles see every tenant.
 */
function tenantsOf(request: FastifyRequest): string[] | undefined {
  const p = request.principal;
  if (p?.kind === 'apikey') return p.key.tenant === '*' ? undefined : [p.key.tenant, ''];
  if (p?.kind === 'user' && p.session.role === 'user') return [p.session.tenant, ''];
  return undefined;
}

const apibanBody = z.object({ ipaddress: z.array(z.string()), removed: z.array(z.string()).optional(), ID: z.string() });
const tenantOrAll = z.union([z.literal('*'), z.string().regex(TENANT_NAME, 'letters, digits, dot, underscore and hyphen')]);

/** Shared hotlists (issue 16 item 8): APIBAN-style feed of IPs with a "changes since" cursor; entries for operators (audited). */
export const listRoutes: FastifyPluginAsyncZod<{ lists: ListDeps | undefined; clock: () => number }> = async (app, { lists, clock }) => {
  const tags = ['lists'];
  const need = (): ListDeps => {
    if (!lists) throw new SentinelaError('STORE_UNAVAILABLE', 'hotlists are not available on this instance');
    return lists;
  };

  app.get(
    '/v1/lists/ips',
    {
      config: { access: 'lists.read' },
      schema: {
        tags,
        summary: 'Hotlisted IPs changed since a cursor, APIBAN-style ({"ipaddress":[…],"ID":"…"}; 400 "no new bans" at the end)',
        querystring: z.strictObject({
          since: z
            .string()
            .regex(/^\d{1,20}$/, 'the ID of the previous page')
            .optional()
            .describe('the ID of the previous answer; absent: from the start'),
          limit: z.coerce.number().int().min(1).max(5000).default(250),
        }),
        response: { 200: apibanBody, 400: apibanBody.or(errorBody) },
      },
    },
    async (request, reply) => {
      const { store } = need();
      const since = Number(request.query.since ?? 0);
      const body = await ipFeedPage(store, { since, limit: request.query.limit, tenants: tenantsOf(request) }, clock());
      // apiban.org answers the end of the list with a 400 and this body; its clients stop on it
      return body.ID === 'none' ? reply.code(400).send(body) : body;
    },
  );

  app.get(
    '/v1/lists/entries',
    {
      config: { access: 'lists.read' },
      schema: {
        tags,
        summary: 'Hotlist entries in effect (a tenant-bound user or key sees its tenant and the global list)',
        querystring: z.strictObject({
          type: z.enum(HOTLIST_KINDS).optional(),
          tenant: tenantOrAll.optional(),
          value: z.string().max(64).optional().describe('substring of the value'),
          source: z.string().max(128).optional(),
          ...paging,
        }),
        response: { 200: page(entryView), 400: errorBody },
      },
    },
    async (request) => {
      const { store } = need();
      const q = request.query;
      const allowed = tenantsOf(request);
      const asked = q.tenant === undefined ? undefined : [q.tenant === '*' ? '' : q.tenant];
      const tenants = asked && allowed ? asked.filter((t) => allowed.includes(t)) : (asked ?? allowed);
      const found = await store.search({ tenants, kind: q.type, value: q.value, source: q.source, limit: q.limit, offset: q.offset }, clock());
      return { items: found.items.map(entryJson), total: found.total, limit: q.limit, offset: q.offset };
    },
  );

  app.post(
    '/v1/lists/entries',
    {
      config: { access: 'lists.write' },
      schema: {
        tags,
        summary: 'Hotlist an IP (address or CIDR) or a number range (audited); emergency numbers are refused',
        body: z.strictObject({
          type: z.enum(HOTLIST_KINDS),
          value: z.string().min(1).max(64),
          tenant: tenantOrAll.default('*'),
          category: z.string().max(64).optional(),
          reason: reasonText,
          ttl: durationText.optional().describe('expires this long from now; absent: never'),
        }),
        response: { 201: entryView, 400: errorBody, 403: errorBody },
      },
    },
    async (request, reply) => {
      const { service } = need();
      const b = request.body;
      const tenant = b.tenant === '*' ? '' : b.tenant;
      const allowed = tenantsOf(request);
      if (allowed && (tenant === '' || !allowed.includes(tenant))) throw new SentinelaError('FORBIDDEN', `you may hotlist for tenant ${allowed[0] ?? ''} only`);
      const actor = actorOf(request);
      const ttl = b.ttl === undefined ? null : parseDuration(b.ttl);
      const entry = await service.add(
        {
          kind: b.type,
          value: b.value,
          tenant,
          source: `operator:${actor.id}`,
          category: b.category,
          reason: b.reason,
          expiresAt: ttl === null ? null : clock() + ttl,
        },
        { actor: actor.id, ip: actor.ip },
      );
      return reply.code(201).send(entryJson(entry));
    },
  );

  app.delete(
    '/v1/lists/entries/:id',
    {
      config: { access: 'lists.write' },
      schema: {
        tags,
        summary: 'Remove a hotlist entry (a reason is required; audited)',
        params: z.object({ id: z.string().min(1).max(64) }),
        querystring: z.strictObject({ reason: reasonText }),
        response: { 200: entryView, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => {
      const { service } = need();
      const actor = actorOf(request);
      const allowed = tenantsOf(request);
      const removed = await service.remove(
        request.params.id,
        request.query.reason,
        { actor: actor.id, ip: actor.ip },
        (e) => !allowed || allowed.slice(0, 1).includes(e.tenant),
      );
      return entryJson(removed);
    },
  );
};
