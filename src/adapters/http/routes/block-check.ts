import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkQuery, type BlockCheckService } from '../../../api/block-check.js';
import { checkAnswer, errorBody } from '../schemas.js';

/**
 * The PBX asks before routing each call. Answered from memory (no ClickHouse or Kafka on this path); every
 * check also counts as a call attempt for the EV12/EV13 attempt rules.
 */
export const blockCheckRoutes: FastifyPluginAsyncZod<{ service: BlockCheckService; clock: () => number }> = async (app, { service, clock }) => {
  const doc = {
    tags: ['block-check'],
    response: { 200: checkAnswer, 400: errorBody, 503: checkAnswer },
  };
  // the answer is small and flat: plain JSON.stringify beats a schema-driven serializer on the hot path
  const serializerCompiler = () => (data: unknown) => JSON.stringify(data);
  app.get('/v1/block-check', { schema: { ...doc, summary: 'May this call be routed?', querystring: checkQuery }, serializerCompiler }, async (request) =>
    service.check(request.query, clock()),
  );
  app.post('/v1/block-check', { schema: { ...doc, summary: 'May this call be routed? (JSON body)', body: checkQuery }, serializerCompiler }, async (request) =>
    service.check(request.body, clock()),
  );
};
