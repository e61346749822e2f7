import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { BlockAdmin } from '../../api/block-admin.js';
import type { BlockCheckService } from '../../api/block-check.js';
import type { ApiStore, CdrIngest, Distribute } from '../../api/ports.js';
import type { Security } from '../../security/security.js';
import { can } from '../../domain/security/roles.js';
import { adminAuth, pbxAuth, type AuthDeps, type RouteAccess } from './auth.js';
import { errorHandler } from './errors.js';
import { loadShedding, looseQuery } from './load-shedding.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { auditRoutes } from './routes/audit.js';
import { sessionRoutes, type Zones } from './routes/session.js';
import { consoleRoutes } from './console.js';
import { userRoutes } from './routes/users.js';
import { alertRoutes } from './routes/alerts.js';
import { blockCheckPreviewRoutes, blockCheckRoutes } from './routes/block-check.js';
import { blockRoutes } from './routes/blocks.js';
import { cdrRoutes } from './routes/cdrs.js';
import { healthRoutes, type HealthSource } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { ruleRoutes } from './routes/rules.js';
import { securityEventRoutes } from './routes/security-events.js';
import type { RulesInForce } from '../files/rule-reload.js';
import type { RuleComparer } from '../../api/ports.js';
import { listRoutes, type ListDeps } from './routes/lists.js';
import { statsRoutes } from './routes/stats.js';

/** The PBX-facing and admin API; absent on a processor-only instance. */
export interface ApiDeps {
  readonly service: BlockCheckService;
  readonly store: ApiStore;
  readonly distribute: Distribute;
  readonly ingest: CdrIngest | undefined;
  /** The rules in force and the last reload (hot reload). */
  readonly rules: RulesInForce;
  /** POST /v1/rules/compare: where stored CDRs are replayed (absent: 503). */
  readonly comparer?: RuleComparer | undefined;
  readonly clock: () => number;
  /** API requests are shed (503; block-check with the fail-policy answer) while the event loop lags more than this. */
  readonly maxEventLoopDelayMs: number;
  readonly ingestBodyLimit?: number;
  readonly security: Security;
  /** `api-key`: block-check and CDR ingest need a PBX key (SENTINELA_PBX_AUTH). */
  readonly pbxAuth: 'api-key' | 'none';
  /** A13: caller numbers masked in management answers. */
  readonly maskCallers: boolean;
  /** Shared hotlists (issue 16): the list routes, and alerts confirmed teach their ranges. */
  readonly hotlists?: ListDeps | undefined;
  /** The default tenant time zone (SENTINELA_TIMEZONE); profiles.yaml may override it per tenant. */
  readonly timeZone: string;
}

const routeTables = new WeakMap<object, readonly RouteAccess[]>();
/** Every management route with the access it demands (the role × route test walks it). */
export function routeAccessOf(app: object): readonly RouteAccess[] {
  return routeTables.get(app) ?? [];
}

export interface AppDeps {
  readonly log: Logger;
  readonly registry: Registry;
  readonly health: HealthSource;
  readonly api?: ApiDeps;
  readonly version?: string;
  /** Metrics of another process served with ours (the pipeline child). */
  readonly moreMetrics?: () => Promise<string>;
}

/** The HTTP app: routes per resource, registered as plugins (tests use `app.inject()`). */
export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }));
  await app.register(healthRoutes, { health: deps.health });
  await app.register(metricsRoutes, { registry: deps.registry, ...(deps.moreMetrics ? { more: deps.moreMetrics } : {}) });
  const api = deps.api;
  if (!api) return app;

  const shedding = loadShedding({ service: api.service, clock: api.clock, maxEventLoopDelayMs: api.maxEventLoopDelayMs });
  app.addHook('onReady', async () => shedding.monitor.start());
  app.addHook('onClose', async () => shedding.monitor.stop());
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Sentinela API',
        version: deps.version ?? '0',
        description: 'Block-check for PBXes, block distribution and the NOC admin API. Error bodies carry a stable code (src/errors.ts).',
      },
      tags: ['block-check', 'session', 'blocks', 'alerts', 'rules', 'cdrs', 'events', 'users', 'api-keys', 'audit', 'lists', 'stats'].map((name) => ({ name })),
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'a session token from POST /v1/login, or a PBX API key (snk_…) for block-check and POST /v1/cdrs',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(consoleRoutes);
  const sec = api.security;
  const auth: AuthDeps = {
    sessions: sec.sessions,
    apiKeys: sec.apiKeys,
    guard: sec.guard,
    audit: sec.audit,
    clock: api.clock,
    pbxAuth: api.pbxAuth,
    keysLoading: (request) => api.service.shed(looseQuery(request), api.clock(), 'loading'),
  };
  await app.register(async (pbx) => {
    shedding.pbx(pbx);
    pbxAuth(pbx, auth);
    await pbx.register(blockCheckRoutes, { service: api.service, clock: api.clock });
  });
  // management routes: one scope, one authentication hook; each route names the permission it needs
  const table: RouteAccess[] = [];
  routeTables.set(app, table);
  const visible = (tenant: string, extensions: readonly string[]) => [
    ...new Set(extensions.flatMap((e) => [e, api.service.subjectValue(tenant, 'caller', e)])),
  ];
  const canReadCdrs = (request: FastifyRequest) => request.principal?.kind !== 'user' || can(request.principal.session.role, 'cdrs.read');
  await app.register(async (admin) => {
    shedding.admin(admin);
    adminAuth(admin, auth, table);
    await admin.register(sessionRoutes, { security: sec, zones: zonesOf(api) });
    await admin.register(blockRoutes, {
      admin: new BlockAdmin({ ...api, audit: sec.audit }),
      store: api.store,
      clock: api.clock,
      visible,
      mask: api.maskCallers,
    });
    await admin.register(alertRoutes, {
      store: api.store,
      audit: sec.audit,
      clock: api.clock,
      visible,
      canReadCdrs,
      mask: api.maskCallers,
      isSignalling: (rule) => api.rules.current.signalling.some((r) => r.id === rule),
      hotlists: api.hotlists?.service,
    });
    await admin.register(ruleRoutes, { rules: api.rules, comparer: api.comparer, mask: api.maskCallers });
    await admin.register(blockCheckPreviewRoutes, { service: api.service, clock: api.clock, mask: api.maskCallers });
    await admin.register(securityEventRoutes, { store: api.store, visible, mask: api.maskCallers });
    await admin.register(cdrRoutes, { ingest: api.ingest, bodyLimit: api.ingestBodyLimit ?? 16 * 1024 * 1024 });
    await admin.register(userRoutes, { security: sec, store: sec.store });
    await admin.register(apiKeyRoutes, { security: sec });
    await admin.register(auditRoutes, { security: sec });
    await admin.register(listRoutes, { lists: api.hotlists, clock: api.clock });
    await admin.register(statsRoutes, { store: api.store, clock: api.clock, visible });
  });
  return app;
}

/** Tenants' time zones as the rules in force read them (a reload may change them): profiles.yaml, else SENTINELA_TIMEZONE. */
function zonesOf(api: ApiDeps): () => Zones {
  return () => {
    const profiles = api.rules.current.profiles;
    const own = Object.entries(profiles.tenants).flatMap(([tenant, spec]) => (spec.timeZone ? [[tenant, spec.timeZone] as const] : []));
    return { timeZone: profiles.defaults.timeZone ?? api.timeZone, timeZones: Object.fromEntries(own) };
  };
}
