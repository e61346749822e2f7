import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/** Prometheus text format; `more` appends another process's metrics (the pipeline child of `--role all`). */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry; more?: () => Promise<string> }> = async (app, { registry, more }) => {
  app.get('/metrics', async (_request, reply) => {
    const own = await registry.metrics();
    const other = more ? await more().catch(() => '') : '';
    return reply.type(registry.contentType).send(other ? `${own}\n${other}` : own);
  });
};
