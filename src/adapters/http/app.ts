import Fastify from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { healthRoutes, type HealthSource } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';

export interface AppDeps {
  readonly log: Logger;
  readonly registry: Registry;
  readonly health: HealthSource;
}

/** The HTTP app: routes per resource, registered as plugins (tests use `app.inject()`). */
export async function buildApp(deps: AppDeps) {
  const app = Fastify({ loggerInstance: deps.log, disableRequestLogging: true, bodyLimit: 1024 * 1024 });
  await app.register(healthRoutes, { health: deps.health });
  await app.register(metricsRoutes, { registry: deps.registry });
  return app;
}
