import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeyRecord } from '../../../security/ports.js';
import type { Security } from '../../../security/security.js';
import { actorOf } from '../auth.js';
import { errorBody } from '../schemas.js';
import { iso } from '../../../domain/time/iso.js';
import { TENANT_NAME } from '../../../domain/cdr/contract.js';

const keyView = z.object({
  id: z.string(),
  tenant: z.string(),
  name: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string(),
});
const keyJson = (k: ApiKeyRecord): z.infer<typeof keyView> => ({
  id: k.id,
  tenant: k.tenant,
  name: k.name,
  createdAt: iso(k.createdAt),
  createdBy: k.createdBy,
  revokedAt: k.revokedAt === null ? null : iso(k.revokedAt),
  revokedBy: k.revokedBy,
});

/** PBX API keys: issued (the key is shown once), listed without secrets, revoked; every change audited. */
export const apiKeyRoutes: FastifyPluginAsyncZod<{ security: Security }> = async (app, { security }) => {
  const tags = ['api-keys'];
  app.get(
    '/v1/api-keys',
    { config: { access: 'apikeys.read' }, schema: { tags, summary: 'PBX API keys (no secrets)', response: { 200: z.object({ items: z.array(keyView) }) } } },
    async () => ({ items: security.apiKeys.list().map(keyJson) }),
  );

  app.post(
    '/v1/api-keys',
    {
      config: { access: 'apikeys.write' },
      schema: {
        tags,
        summary: 'Issue a PBX API key; the key is in this answer only',
        body: z.strictObject({
          tenant: z.union([z.literal('*'), z.string().regex(TENANT_NAME)], 'a tenant name, or * for every tenant'),
          name: z.string().trim().min(1).max(128),
        }),
        response: {
          201: keyView.extend({ key: z.string().describe('send as Authorization: Bearer <key> or X-Api-Key; not retrievable later') }),
          400: errorBody,
        },
      },
    },
    async (request, reply) => {
      const made = await security.apiKeys.create(request.body.tenant, request.body.name, { actor: actorOf(request).id, ip: request.ip });
      return reply.code(201).send({ ...keyJson(made.record), key: made.key });
    },
  );

  app.post(
    '/v1/api-keys/:id/revoke',
    {
      config: { access: 'apikeys.write' },
      schema: {
        tags,
        summary: 'Revoke a PBX API key (audited; other replicas within 10 s)',
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: keyView, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => keyJson(await security.apiKeys.revoke(request.params.id, { actor: actorOf(request).id, ip: request.ip })),
  );
};
