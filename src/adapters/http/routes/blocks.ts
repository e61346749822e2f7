import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BlockAdmin } from '../../../api/block-admin.js';
import { actorOf, scopeOf } from '../auth.js';
import type { ApiStore } from '../../../api/ports.js';
import type { Block } from '../../../domain/blocks/block.js';
import { subjectText } from '../../../domain/engine/verdicts.js';
import { maskSubject } from '../../../domain/security/masking.js';
import { formatDuration, parseDuration } from '../../../domain/rules/duration.js';
import { BLOCK_SCOPES } from '../../../domain/rules/spec.js';
import { SentinelaError } from '../../../errors.js';
import { blockView, durationText, errorBody, page, paging, reasonText, subjectKind } from '../schemas.js';
import { iso } from '../../../domain/time/iso.js';
import { TENANT_NAME } from '../../../domain/cdr/contract.js';

export function blockJson(r: Block, mask = false): z.infer<typeof blockView> {
  return {
    id: r.id,
    tenant: r.tenant,
    rule: r.rule,
    subject: mask ? `${r.subject.kind}:${maskSubject(r.subject.kind, r.subject.value)}` : subjectText(r.subject),
    reason: r.reason,
    level: r.level,
    scope: r.scope,
    ...(r.throttle ? { throttle: { calls: r.throttle.calls, per: formatDuration(r.throttle.perMs) } } : {}),
    startsAt: iso(r.startsAt),
    expiresAt: iso(r.expiresAt),
    source: r.source,
    createdBy: r.createdBy,
    state: r.state,
    ...(r.state === 'lifted' ? { liftedAt: iso(r.liftedAt ?? r.startsAt), liftedBy: r.liftedBy ?? '', liftReason: r.liftReason ?? '' } : {}),
  };
}

/** The subject values a `user` role may see: their extensions as given and as normalised caller numbers. */
export type Visible = (tenant: string, extensions: readonly string[]) => readonly string[];

const MAX_BLOCK_MS = 90 * 86_400_000;
const tenantName = z.string().regex(TENANT_NAME, 'letters, digits, dot, underscore and hyphen');

/** Admin: search active blocks, manual block and unblock (both audited). */
export const blockRoutes: FastifyPluginAsyncZod<{ admin: BlockAdmin; store: ApiStore; clock: () => number; visible: Visible; mask: boolean }> = async (
  app,
  { admin, store, clock, visible, mask },
) => {
  const view = (r: Block) => blockJson(r, mask);
  const tags = ['blocks'];
  app.get(
    '/v1/blocks',
    {
      config: { access: 'blocks.read' },
      schema: {
        tags,
        summary: 'Search active blocks',
        querystring: z.strictObject({
          tenant: tenantName.optional(),
          kind: subjectKind.optional(),
          subject: z.string().max(128).optional().describe('substring of the subject value'),
          rule: z.string().max(64).optional(),
          source: z.enum(['rule', 'manual']).optional(),
          ...paging,
        }),
        response: { 200: page(blockView), 400: errorBody },
      },
    },
    async (request) => {
      const scope = scopeOf(request, visible);
      const q = request.query;
      const found = await store.searchBlocks({ ...q, ...(scope ? { tenant: scope.tenant, subjects: scope.subjects } : {}) }, clock());
      return { items: found.items.map(view), total: found.total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/v1/blocks/:id',
    {
      config: { access: 'blocks.read' },
      schema: {
        tags,
        summary: 'One block, active or lifted',
        params: z.object({ id: z.string().min(1).max(128) }),
        response: { 200: blockView, 404: errorBody },
      },
    },
    async (request) => {
      const found = await store.findBlock(request.params.id);
      const scope = scopeOf(request, visible);
      if (!found || (scope && !(found.tenant === scope.tenant && scope.subjects.includes(found.subject.value))))
        throw new SentinelaError('NOT_FOUND', `no block with id ${request.params.id}`, { path: 'id' });
      return view(found);
    },
  );

  app.post(
    '/v1/blocks',
    {
      config: { access: 'blocks.write' },
      schema: {
        tags,
        summary: 'Block a subject by hand (audited)',
        body: z.strictObject({
          tenant: tenantName.default('default'),
          // a destination country is alerted on, never blocked whole (block-check would not enforce it)
          kind: subjectKind.exclude(['destCountry']),
          value: z.string().trim().min(1).max(128),
          duration: durationText.refine((d) => (parseDuration(d) ?? 0) > 0 && (parseDuration(d) ?? 0) <= MAX_BLOCK_MS, 'between 1ms and 90d'),
          scope: z.enum(BLOCK_SCOPES).default('all'),
          reason: reasonText,
        }),
        response: { 201: blockView, 400: errorBody },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const record = await admin.block(
        { tenant: b.tenant, kind: b.kind, value: b.value, durationMs: parseDuration(b.duration) as number, scope: b.scope, reason: b.reason },
        actorOf(request),
      );
      return reply.code(201).send(view(record));
    },
  );

  app.post(
    '/v1/blocks/:id/unblock',
    {
      config: { access: 'blocks.write' },
      schema: {
        tags,
        summary: 'Lift a block by hand (audited)',
        params: z.object({ id: z.string().min(1).max(128) }),
        body: z.strictObject({ reason: reasonText }),
        response: { 200: blockView, 400: errorBody, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => view(await admin.unblock(request.params.id, request.body.reason, actorOf(request))),
  );
};
