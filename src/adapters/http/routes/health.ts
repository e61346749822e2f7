import type { FastifyPluginAsync } from 'fastify';

export interface HealthSource {
  /** ready: able to do its job now; degraded: running but a dependency fails (consumption paused). */
  (): { readonly ready: boolean; readonly degraded: boolean; readonly reason: string };
}

/** /healthz: the process is alive (restart it if not). /readyz: it does its job now (route traffic to it if so). */
export const healthRoutes: FastifyPluginAsync<{ health: HealthSource }> = async (app, { health }) => {
  app.get('/healthz', async () => {
    const h = health();
    return { status: h.degraded ? 'degraded' : 'ok', reason: h.reason };
  });
  app.get('/readyz', async (_request, reply) => {
    const h = health();
    return reply.code(h.ready ? 200 : 503).send({ ready: h.ready, degraded: h.degraded, reason: h.reason });
  });
};
