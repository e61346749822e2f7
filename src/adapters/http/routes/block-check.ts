import type { FastifyBaseLogger } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { fastCheckQuery } from '../../../api/check-query-fast.js';
import { checkQuery, type BlockCheckService } from '../../../api/block-check.js';
import { maskSubjectText } from '../../../domain/security/masking.js';
import { checkAnswer, errorBody } from '../schemas.js';

/** The common query read by hand (fastCheckQuery); anything else, and every error message, by zod. */
const fastFirst = <T>(route: FastifyRouteSchemaDef<T>) => {
  const zod = validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
  return (data: unknown) => {
    const value = fastCheckQuery(data);
    return value === undefined ? zod(data) : { value };
  };
};

/** No child logger per check (pino's child re-serialises its bindings, a few % of a check); nothing logs per check. */
const sameLogger = (logger: FastifyBaseLogger): FastifyBaseLogger => logger;

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
  // sync handlers and hooks: no promise per check
  const hot = { serializerCompiler, validatorCompiler: fastFirst, childLoggerFactory: sameLogger };
  app.get('/v1/block-check', { schema: { ...doc, summary: 'May this call be routed?', querystring: checkQuery }, ...hot }, (request) =>
    service.check(request.query, clock()),
  );
  app.post('/v1/block-check', { schema: { ...doc, summary: 'May this call be routed? (JSON body)', body: checkQuery }, ...hot }, (request) =>
    service.check(request.body, clock()),
  );
};

/**
 * The console's block-check tester, for a logged-in user (the PBX route wants a PBX key): the answer the PBX would
 * get, read without counting an attempt (BlockCheckService.preview). It reads the configuration's verdict on any
 * subject of any tenant, so it needs `rules.read`: a scoped user (own extensions only) may not probe others' blocks.
 */
export const blockCheckPreviewRoutes: FastifyPluginAsyncZod<{ service: BlockCheckService; clock: () => number; mask: boolean }> = async (
  app,
  { service, clock, mask },
) => {
  app.post(
    '/v1/block-check/preview',
    {
      config: { access: 'rules.read' },
      schema: {
        tags: ['block-check'],
        summary: 'What block-check would answer for this call, not counted as an attempt (the console tester)',
        body: checkQuery,
        response: { 200: checkAnswer, 400: errorBody, 403: errorBody },
      },
    },
    async (request) => {
      const answer = service.preview(request.body, clock());
      if (!mask) return answer;
      return { ...answer, reasons: answer.reasons.map((r) => ({ ...r, subject: maskSubjectText(r.subject) })) };
    },
  );
};
