import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyBook, ApiKeyPrincipal } from '../../security/api-keys.js';
import type { AuditTrail } from '../../security/audit-trail.js';
import type { AccessGuard } from '../../security/guard.js';
import type { Session, SessionBook } from '../../security/sessions.js';
import { can, type Permission } from '../../domain/security/roles.js';
import { SentinelaError } from '../../errors.js';

/** What a route demands: a permission of the matrix, `self` (any logged-in user) or `public` (login only). */
export type Access = Permission | 'self' | 'public';

export type Principal = { readonly kind: 'user'; readonly session: Session } | { readonly kind: 'apikey'; readonly key: ApiKeyPrincipal };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface AuthDeps {
  readonly sessions: SessionBook;
  readonly apiKeys: ApiKeyBook;
  readonly guard: AccessGuard;
  readonly audit: AuditTrail;
  readonly clock: () => number;
  /** `api-key`: block-check and CDR ingest need a PBX key; `none`: open (a lab, or a network-level control). */
  readonly pbxAuth: 'api-key' | 'none';
  /** Block-check's answer while the keys are not loaded yet: the fail policy's (`loading`), as while the block table loads, not a 401 to a valid key. */
  readonly keysLoading?: (request: FastifyRequest) => unknown;
}

export interface RouteAccess {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

const API_KEY_PREFIX = 'snk_';

/** The credential of a request: `Authorization: Bearer …`, or `X-Api-Key` for PBXes that cannot set Authorization. */
export function credential(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const key = request.headers['x-api-key'];
  return typeof key === 'string' ? key.trim() : undefined;
}

/** The identity recorded in audit records for this request. */
export function actorOf(request: FastifyRequest): { id: string; ip: string } {
  const p = request.principal;
  const id = p === undefined ? 'anonymous' : p.kind === 'user' ? p.session.user : `apikey:${p.key.id}`;
  return { id, ip: request.ip };
}

/**
 * Authentication and the role matrix for every management route (A7, EV14). Registered in the admin scope: a
 * route without an `access` config refuses to register, so no route is ever left open by omission.
 */
export function adminAuth(app: FastifyInstance, d: AuthDeps, table: RouteAccess[]): void {
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no access (permission, self or public)`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') table.push({ method, url: route.url, access });
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === 'public') return;
    const ip = request.ip;
    if ((await d.guard.barredUntil(undefined, ip)) !== undefined)
      throw new SentinelaError('ACCESS_BARRED', 'this address is barred for 5 min after repeated denied operations (EV14)');
    const token = credential(request);
    if (!token) throw new SentinelaError('AUTH_REQUIRED', 'log in (POST /v1/login) and send Authorization: Bearer <token>');
    if (token.startsWith(API_KEY_PREFIX)) {
      // PBX keys may only ingest CDRs and security events among the management routes
      const key = d.apiKeys.verify(token);
      if (!key && !d.apiKeys.loaded) throw new SentinelaError('INGEST_UNAVAILABLE', 'this replica is still loading its API keys; send again');
      if (!key) throw new SentinelaError('AUTH_REQUIRED', 'unknown or revoked API key');
      // a PBX or firewall may also read the hotlists of its tenant (GET /v1/lists/ips, APIBAN-style)
      if (access !== 'cdrs.write' && access !== 'lists.read')
        throw new SentinelaError('FORBIDDEN', 'API keys may only call block-check, POST /v1/cdrs and /v1/events and read the hotlists');
      request.principal = { kind: 'apikey', key };
      return;
    }
    const checked = await d.sessions.check(token, ip, d.clock());
    if (!checked.ok) {
      if (checked.session) {
        await d.audit.record({
          type: 'auth.session_ended',
          actor: checked.session.user,
          ip,
          result: checked.reason === 'other-ip' ? 'failure' : 'success',
          details: { reason: checked.reason, session: checked.session.id, sessionIp: checked.session.ip },
        });
      }
      throw new SentinelaError(
        checked.reason === 'unknown' ? 'AUTH_REQUIRED' : 'SESSION_ENDED',
        checked.reason === 'unknown' ? 'unknown or ended session token; log in again' : `session ended (${checked.reason}); log in again`,
      );
    }
    const session = checked.session;
    if ((await d.guard.barredUntil(session.user, ip)) !== undefined)
      throw new SentinelaError('ACCESS_BARRED', 'this user is barred for 5 min after repeated denied operations (EV14)');
    // onRoute guarantees every route here names its access; none would mean nobody may call it
    if (access === undefined || (access !== 'self' && !can(session.role, access))) {
      await d.guard.denied(session.user, ip, {
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        permission: access ?? 'undeclared',
        role: session.role,
      });
      throw new SentinelaError('FORBIDDEN', `role ${session.role} may not ${access ?? 'call this route'}`);
    }
    request.principal = { kind: 'user', session };
  });
}

/** PBX-facing routes: a valid API key for the asked tenant (no password hashing: a SHA-256 and a map lookup). */
export function pbxAuth(app: FastifyInstance, d: AuthDeps): void {
  if (d.pbxAuth === 'none') return;
  // callback style: no promise and microtask per check on the PBX's path
  app.addHook('preHandler', (request, reply, done) => {
    const token = credential(request);
    const key = token === undefined ? undefined : d.apiKeys.verify(token);
    if (!key && token?.startsWith(API_KEY_PREFIX) && !d.apiKeys.loaded && d.keysLoading) return void reply.send(d.keysLoading(request));
    if (!key) return done(new SentinelaError('AUTH_REQUIRED', 'send the PBX API key as Authorization: Bearer snk_… or X-Api-Key'));
    const source = (request.method === 'GET' ? request.query : request.body) as { tenant?: unknown } | undefined;
    const tenant = typeof source?.tenant === 'string' ? source.tenant : 'default';
    if (key.tenant !== '*' && key.tenant !== tenant) return done(new SentinelaError('FORBIDDEN', `this API key is for tenant ${key.tenant}`));
    request.principal = { kind: 'apikey', key };
    done();
  });
}

/** The tenant and subjects a `user` role may see, or undefined for roles that see everything they may read. */
export function scopeOf(
  request: FastifyRequest,
  visible: (tenant: string, extensions: readonly string[]) => readonly string[],
): { tenant: string; subjects: readonly string[] } | undefined {
  const p = request.principal;
  if (p?.kind !== 'user' || p.session.role !== 'user') return undefined;
  return { tenant: p.session.tenant, subjects: visible(p.session.tenant, p.session.extensions) };
}
