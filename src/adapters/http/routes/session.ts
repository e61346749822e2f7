import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Security } from '../../../security/security.js';
import { IDLE_LIMIT_MS } from '../../../security/sessions.js';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '../../../domain/security/roles.js';
import { SentinelaError } from '../../../errors.js';
import { actorOf, type Principal } from '../auth.js';
import { errorBody } from '../schemas.js';

const loginHistory = z.object({
  lastLogin: z.object({ at: z.string(), ip: z.string(), method: z.string() }).nullable().describe('the previous successful login (A8)'),
  lastFailure: z.object({ at: z.string(), ip: z.string() }).nullable().describe('the last failed attempt (A8)'),
  failuresSince: z.number().describe('failed attempts since the previous successful login (A8)'),
});
const me = z.object({
  user: z.string(),
  role: z.enum(ROLES),
  fullName: z.string(),
  tenant: z.string(),
  extensions: z.array(z.string()),
  history: loginHistory,
  permissions: z.array(z.enum(PERMISSIONS)).describe('what the role may do (the console shows only what it can use)'),
  timeZone: z.string().describe('the default tenant time zone (IANA)'),
  timeZones: z.record(z.string(), z.string()).describe('tenants with a time zone of their own (rules/profiles.yaml)'),
});

/** Where tenants' local times are read: the default zone and the tenants that have their own. */
export interface Zones {
  readonly timeZone: string;
  readonly timeZones: Readonly<Record<string, string>>;
}

function session(request: { principal?: Principal }) {
  const p = request.principal;
  if (p?.kind !== 'user') throw new SentinelaError('FORBIDDEN', 'a user session is needed (API keys have no session)');
  return p.session;
}

/** Login, logout, the caller's own account and password (A7, A8, A9, EV03). */
export const sessionRoutes: FastifyPluginAsyncZod<{ security: Security; zones: () => Zones }> = async (app, { security, zones }) => {
  const tags = ['session'];
  const viewOf = (role: Role) => ({ permissions: [...ROLE_PERMISSIONS[role]], ...zones() });
  app.post(
    '/v1/login',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Log in with a password; the answer shows the previous login and failures since (A8)',
        body: z.strictObject({ user: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
        response: { 200: z.object({ token: z.string(), expiresAfterIdleSeconds: z.number(), ...me.shape }), 401: errorBody, 423: errorBody },
      },
    },
    async (request) => {
      const { token, user, history } = await security.accounts.login(request.body.user, request.body.password, request.ip);
      return {
        token,
        expiresAfterIdleSeconds: IDLE_LIMIT_MS / 1000,
        user: user.name,
        role: user.role,
        fullName: user.fullName,
        tenant: user.tenant,
        extensions: [...user.extensions],
        history,
        ...viewOf(user.role),
      };
    },
  );

  app.post(
    '/v1/logout',
    { config: { access: 'self' }, schema: { tags, summary: 'End this session', response: { 204: z.null(), 401: errorBody } } },
    async (request, reply) => {
      await security.accounts.logout(session(request), request.ip);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      config: { access: 'self' },
      schema: { tags, summary: 'Who am I; last login, last failure and failures since (A8)', response: { 200: me, 401: errorBody } },
    },
    async (request) => {
      const s = session(request);
      const user = await security.accounts.me(s.user);
      // A8 is about what happened before this session: the history as it was at login
      return {
        user: user.name,
        role: user.role,
        fullName: user.fullName,
        tenant: user.tenant,
        extensions: [...user.extensions],
        history: s.history,
        ...viewOf(user.role),
      };
    },
  );

  app.post(
    '/v1/me/password',
    {
      config: { access: 'self' },
      schema: {
        tags,
        summary: 'Change my password (policy A9, no reuse of the last 6)',
        body: z.strictObject({ current: z.string().min(1).max(256), password: z.string().min(1).max(256) }),
        response: { 204: z.null(), 401: errorBody, 422: errorBody },
      },
    },
    async (request, reply) => {
      const s = session(request);
      await security.accounts.changePassword(s.user, request.body.current, request.body.password, { actor: actorOf(request).id, ip: request.ip });
      return reply.code(204).send(null);
    },
  );
};
