import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CdrIngest } from '../../../api/ports.js';
import { parseFormatSpec, type FormatSpec } from '../../../domain/cdr/formats/registry.js';
import { SentinelaError } from '../../../errors.js';
import { errorBody } from '../schemas.js';

const summary = z.object({
  received: z.number(),
  accepted: z.number(),
  duplicates: z.number(),
  skipped: z.number().describe('security-log lines read and recognised as irrelevant (a challenge sent): counted, not stored'),
  rejected: z
    .array(z.object({ line: z.number(), code: z.string(), message: z.string(), path: z.string() }))
    .readonly()
    .describe('refused lines, dead-lettered with the reason'),
  verdicts: z
    .array(
      z.object({
        kind: z.enum(['alert', 'block']),
        id: z.string(),
        tenant: z.string(),
        rule: z.string(),
        severity: z.enum(['warn', 'critical']),
        subject: z.string(),
        at: z.string(),
        expiresAt: z.string().optional(),
        throttle: z.string().optional().describe('a block that is a throttle: the rate it allows, e.g. 2/1m'),
        liftedAt: z.string().optional().describe("a lifted state (a throttle superseded by its rule's block): no longer in force"),
      }),
    )
    .readonly()
    .describe('alerts and blocks these records caused'),
});

/** CDRs and security events (issue 18) take the same route into the same pipeline; only the default decoder differs. */
const ROUTES = [
  {
    path: '/v1/cdrs',
    tag: 'cdrs',
    format: 'canonical',
    summary: 'Ingest CDRs (NDJSON or CSV lines)',
    formats: 'decoder: canonical, asterisk-csv, …, mapping:NAME',
  },
  {
    path: '/v1/events',
    tag: 'events',
    format: 'event',
    summary: 'Ingest security events: failed registrations, auth failures, floods (NDJSON or PBX log lines)',
    formats: 'decoder: event, asterisk-security, asterisk-ami, freeswitch-security, kamailio-security',
  },
] as const;

/**
 * CDRs (and security events) over HTTP: one record per line (NDJSON, or CSV lines for the CSV formats), through the same decoders as
 * Kafka. The answer comes once accepted records are persisted (embedded) or acknowledged by Kafka.
 */
export const cdrRoutes: FastifyPluginAsyncZod<{ ingest: CdrIngest | undefined; bodyLimit: number }> = async (app, { ingest, bodyLimit }) => {
  for (const type of ['application/x-ndjson', 'application/jsonl', 'text/csv', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  }
  for (const route of ROUTES) {
    app.post(
      route.path,
      {
        config: { access: 'cdrs.write' },
        bodyLimit,
        schema: {
          tags: [route.tag],
          summary: route.summary,
          querystring: z.strictObject({ format: z.string().max(128).default(route.format).describe(route.formats) }),
          response: { 200: summary, 400: errorBody, 415: errorBody, 422: summary, 503: errorBody },
        },
      },
      async (request, reply) => {
        if (!ingest)
          throw new SentinelaError(
            'INGEST_UNAVAILABLE',
            'this instance has no pipeline: run --role all, the embedded mode, or list a canonical topic in KAFKA_CDR_TOPICS',
          );
        if (!Buffer.isBuffer(request.body))
          throw new SentinelaError('REQUEST_UNSUPPORTED_TYPE', 'send records as application/x-ndjson (or text/csv, text/plain), one record per line');
        let spec: FormatSpec;
        try {
          spec = parseFormatSpec(request.query.format);
        } catch (err) {
          throw new SentinelaError('REQUEST_INVALID', (err as Error).message, { path: 'querystring.format' });
        }
        if (spec.name === 'kamailio-acc')
          throw new SentinelaError('REQUEST_INVALID', 'kamailio-acc correlates records across a stream; send it through Kafka', { path: 'format' });
        // a PBX key answers for its tenant only: its records of another tenant are refused and dead-lettered
        const principal = request.principal;
        const bound = principal?.kind === 'apikey' && principal.key.tenant !== '*' ? principal.key.tenant : undefined;
        const result = await ingest.ingest(request.body, request.query.format, bound);
        return reply.code(result.accepted + result.duplicates === 0 && result.rejected.length > 0 ? 422 : 200).send(result);
      },
    );
  }
};
