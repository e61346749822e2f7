import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import underPressure from '@fastify/under-pressure';
import Fastify, { LogController, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { BlockAdmin } from '../../api/block-admin.js';
import type { BlockCheckService, CheckQuery } from '../../api/block-check.js';
import type { ApiStore, CdrIngest, Distribute } from '../../api/ports.js';
import type { RuleFiles } from '../files/rule-files.js';
import { errorHandler } from './errors.js';
import { alertRoutes } from './routes/alerts.js';
import { blockCheckRoutes } from './routes/block-check.js';
import { blockRoutes } from './routes/blocks.js';
import { cdrRoutes } from './routes/cdrs.js';
import { healthRoutes, type HealthSource } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { ruleRoutes } from './routes/rules.js';

/** The PBX-facing and admin API; absent on a processor-only instance. */
export interface ApiDeps {
  readonly service: BlockCheckService;
  readonly store: ApiStore;
  readonly distribute: Distribute;
  readonly ingest: CdrIngest | undefined;
  readonly ruleFiles: RuleFiles;
  readonly clock: () => number;
  /** Requests are shed (503 with the fail-policy answer) while the event loop lags more than this. */
  readonly maxEventLoopDelayMs: number;
  readonly ingestBodyLimit?: number;
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
  const app = Fastify({ loggerInstance: deps.log, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 1024 * 1024, trustProxy: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }));
  await app.register(healthRoutes, { health: deps.health });
  await app.register(metricsRoutes, { registry: deps.registry, ...(deps.moreMetrics ? { more: deps.moreMetrics } : {}) });
  const api = deps.api;
  if (!api) return app;

  await app.register(underPressure, {
    maxEventLoopDelay: api.maxEventLoopDelayMs,
    sampleInterval: Math.max(5, Math.min(50, Math.floor(api.maxEventLoopDelayMs / 4))),
    pressureHandler: (request, reply, type, value) => {
      if (request.url.startsWith('/v1/block-check')) {
        // shed fast with the answer the fail policy gives, so the PBX never waits on a queue
        void reply.code(503).header('retry-after', '1').send(api.service.shed(looseQuery(request), api.clock()));
        return;
      }
      void reply.code(503).header('retry-after', '1').send({ code: 'OVERLOADED', message: `server under pressure (${type} ${Math.round(Number(value))})` });
    },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Sentinela API', version: deps.version ?? '0', description: 'Block-check for PBXes, block distribution and the NOC admin API. Error bodies carry a stable code (src/errors.ts).' },
      tags: [{ name: 'block-check' }, { name: 'blocks' }, { name: 'alerts' }, { name: 'rules' }, { name: 'cdrs' }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(blockCheckRoutes, { service: api.service, clock: api.clock });
  // admin routes: one plugin scope, so authentication and roles (security issue) plug in as one hook
  await app.register(async (admin) => {
    await admin.register(blockRoutes, { admin: new BlockAdmin(api), store: api.store, clock: api.clock });
    await admin.register(alertRoutes, { store: api.store, clock: api.clock });
    await admin.register(ruleRoutes, { ruleFiles: api.ruleFiles });
    await admin.register(cdrRoutes, { ingest: api.ingest, bodyLimit: api.ingestBodyLimit ?? 16 * 1024 * 1024 });
  });
  return app;
}

/** Whatever fields of a block-check a shed request carries, unvalidated (only an emergency check reads them). */
function looseQuery(request: FastifyRequest): Partial<CheckQuery> {
  const source = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | undefined;
  const pick = (k: string): string | undefined => {
    const v = source?.[k];
    return typeof v === 'string' ? v.slice(0, 64) : undefined;
  };
  const q: Record<string, string> = {};
  for (const k of ['tenant', 'account', 'caller', 'callee']) {
    const v = pick(k);
    if (v !== undefined) q[k] = v;
  }
  return q;
}
