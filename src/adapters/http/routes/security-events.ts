import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiStore } from '../../../api/ports.js';
import { EVENT_TYPES } from '../../../domain/signalling/event.js';
import { SentinelaError } from '../../../errors.js';
import { scopeOf } from '../auth.js';
import { errorBody, page, paging } from '../schemas.js';
import type { Visible } from './blocks.js';
import { eventJson, eventView } from './event-view.js';

const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

/**
 * GET /v1/events: the security events (issue 18) a tenant's PBXs reported, newest first, for an analyst triaging an
 * IP. Traffic records like CDRs, so read with `cdrs.read`; a `user` sees only the events naming their extensions.
 */
export const securityEventRoutes: FastifyPluginAsyncZod<{ store: ApiStore; visible: Visible; mask: boolean }> = async (app, { store, visible, mask }) => {
  app.get(
    '/v1/events',
    {
      config: { access: 'cdrs.read' },
      schema: {
        tags: ['events'],
        summary: "Search a tenant's security events (failed registrations, auth failures, floods), newest first",
        querystring: z.strictObject({
          tenant: z.string().min(1).max(64).optional().describe("required, but for a user (their tenant's)"),
          ip: z.string().min(1).max(64).optional().describe('the source address the PBX observed'),
          user: z.string().min(1).max(128).optional(),
          type: z.enum(EVENT_TYPES).optional(),
          since: instant.optional(),
          until: instant.optional(),
          ...paging,
        }),
        response: { 200: page(eventView), 400: errorBody },
      },
    },
    async (request) => {
      const { tenant, ...q } = request.query;
      const scope = scopeOf(request, visible);
      const own = scope?.tenant ?? tenant;
      if (own === undefined) throw new SentinelaError('REQUEST_INVALID', 'tenant is required', { path: 'tenant' });
      const found = await store.searchEvents({ ...q, tenant: own, ...(scope ? { users: scope.subjects } : {}) });
      return { items: found.items.map((e) => eventJson(e, mask)), total: found.total, limit: q.limit, offset: q.offset };
    },
  );
};
