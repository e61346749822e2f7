import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { history } from '../../../security/accounts.js';
import type { LoginLock, UserRecord } from '../../../security/ports.js';
import type { Security } from '../../../security/security.js';
import { ROLES } from '../../../domain/security/roles.js';
import { actorOf } from '../auth.js';
import { errorBody } from '../schemas.js';
import { iso } from '../../../domain/time/iso.js';
import { TENANT_NAME } from '../../../domain/cdr/contract.js';

const userView = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  fullName: z.string(),
  tenant: z.string(),
  extensions: z.array(z.string()),
  locked: z.boolean(),
  lockedReason: z.string(),
  lockedFrom: z.array(z.object({ ip: z.string(), at: z.string(), reason: z.string() })).describe('EV03: addresses this user name is locked from'),
  createdAt: z.string(),
  createdBy: z.string(),
  lastLogin: z.object({ at: z.string(), ip: z.string(), method: z.string() }).nullable(),
  lastFailure: z.object({ at: z.string(), ip: z.string() }).nullable(),
  failuresSince: z.number(),
});
/** A user as the API shows it: never a password hash. */
const userJson = (u: UserRecord, locks: readonly LoginLock[]): z.infer<typeof userView> => ({
  name: u.name,
  role: u.role,
  fullName: u.fullName,
  tenant: u.tenant,
  extensions: [...u.extensions],
  locked: u.locked,
  lockedReason: u.lockedReason,
  lockedFrom: locks.map((l) => ({ ip: l.ip, at: iso(l.changedAt), reason: l.reason })),
  createdAt: iso(u.createdAt),
  createdBy: u.createdBy,
  ...history(u),
});

/** Users: list, create (A9 policy) and unlock after EV03/EV09 (administrators; reading is configuration). */
export const userRoutes: FastifyPluginAsyncZod<{ security: Security; store: { listUsers(): Promise<UserRecord[]> } }> = async (app, { security, store }) => {
  const tags = ['users'];
  app.get(
    '/v1/users',
    { config: { access: 'users.read' }, schema: { tags, summary: 'Users and their lock state', response: { 200: z.object({ items: z.array(userView) }) } } },
    async () => ({ items: await Promise.all((await store.listUsers()).map(async (u) => userJson(u, await security.accounts.locksOf(u.name)))) }),
  );

  app.post(
    '/v1/users',
    {
      config: { access: 'users.write' },
      schema: {
        tags,
        summary: 'Create a user (audited)',
        body: z.strictObject({
          name: z.string().min(2).max(64),
          role: z.enum(ROLES),
          fullName: z.string().max(128).optional(),
          password: z.string().min(1).max(256),
          tenant: z.string().regex(TENANT_NAME).optional(),
          extensions: z.array(z.string().min(1).max(64)).max(1000).optional(),
        }),
        response: { 201: userView, 400: errorBody, 409: errorBody, 422: errorBody },
      },
    },
    async (request, reply) => {
      const user = await security.accounts.addUser(request.body, { actor: actorOf(request).id, ip: request.ip });
      return reply.code(201).send(userJson(user, []));
    },
  );

  app.post(
    '/v1/users/:name/unlock',
    {
      config: { access: 'users.write' },
      schema: {
        tags,
        summary: 'Unlock a user: its EV03 locks from every address and an EV09 lock (audited)',
        params: z.object({ name: z.string().min(1).max(64) }),
        response: { 200: userView, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => userJson(await security.accounts.unlock(request.params.name, { actor: actorOf(request).id, ip: request.ip }), []),
  );
};
