import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RuleFiles } from '../../files/rule-files.js';
import type { RulesInForce } from '../../files/rule-reload.js';
import type { RuleComparer } from '../../../api/ports.js';
import { TENANT_NAME } from '../../../domain/cdr/contract.js';
import { maskSubject } from '../../../domain/security/masking.js';
import { SentinelaError } from '../../../errors.js';

const reloadView = z
  .object({
    at: z.string().describe('when the rules were last loaded or a reload was last tried'),
    result: z.enum(['loaded', 'accepted', 'refused', 'unchanged']),
    trigger: z.enum(['change', 'sighup']).optional(),
    digest: z.string().describe('digest of the rule set in force'),
    error: z.object({ code: z.string(), message: z.string() }).optional().describe('refused: why, as startup would say it'),
  })
  .describe('hot reload: a refused reload leaves the rules shown here in force');

/** Admin: the rules and profiles in effect (defaults applied), as last loaded, and how the last reload went. */
const tally = z.object({ warn: z.number(), critical: z.number(), blocks: z.number(), throttles: z.number() });
/** A rule or profile file of the rules directory, by name: nothing else is overlaid (lists, rates, mappings stay). */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(?:ya?ml|json)$/;

export const ruleRoutes: FastifyPluginAsyncZod<{ rules: RulesInForce; comparer?: RuleComparer | undefined; mask: boolean }> = async (
  app,
  { rules, comparer, mask },
) => {
  // rebuilt only when a reload put other rules in force
  let shown: { files: RuleFiles; body: ReturnType<typeof bodyOf> } | undefined;
  app.get(
    '/v1/rules',
    {
      config: { access: 'rules.read' },
      schema: {
        tags: ['rules'],
        summary: 'Rules and profiles in effect',
        response: {
          200: z.object({
            dir: z.string(),
            files: z.array(z.string()),
            rules: z.array(z.record(z.string(), z.unknown())),
            signalling: z.array(z.record(z.string(), z.unknown())).describe('signalling rules over security events (issue 18)'),
            profiles: z.record(z.string(), z.unknown()),
            prefixLists: z.record(z.string(), z.number()).describe('entries per list'),
            mappings: z.array(z.string()),
            reload: reloadView,
          }),
        },
      },
    },
    async () => {
      if (shown?.files !== rules.current) shown = { files: rules.current, body: bodyOf(rules.current) };
      const { at, ...status } = rules.status;
      return { ...shown.body, reload: { ...status, at: new Date(at).toISOString() } };
    },
  );

  app.post(
    '/v1/rules/compare',
    {
      config: { access: 'rules.compare' },
      schema: {
        tags: ['rules'],
        summary: 'What edited rule files would change over the last days of stored CDRs',
        description:
          'The files (by name, as in the rules directory) are read as if saved there, validated as at startup (400 RULES_EDIT_INVALID with ' +
          "startup's message), and the stored CDRs of the last `days` (at most 7, and at most 500 000 CDRs: 422 COMPARE_TOO_LARGE) are " +
          'replayed with the rules in force (before) and with the edit (after). One comparison runs at a time (429 COMPARE_BUSY); ' +
          'it stops when the client goes away (COMPARE_ABORTED).',
        body: z.strictObject({
          files: z
            .record(z.string().regex(FILE_NAME, 'a rule or profile file name such as velocity.yaml'), z.string().max(1_000_000))
            .refine((f) => Object.keys(f).length > 0 && Object.keys(f).length <= 50, 'between 1 and 50 files'),
          days: z.int().min(1),
          tenant: z.string().regex(TENANT_NAME).optional(),
        }),
        response: {
          200: z.object({
            rules: z.array(z.object({ rule: z.string(), appears: z.number(), disappears: z.number(), changes: z.number() })),
            subjects: z
              .array(
                z.object({
                  rule: z.string(),
                  tenant: z.string(),
                  subjectKind: z.string(),
                  subject: z.string(),
                  change: z.enum(['appears', 'disappears', 'changes']),
                  before: tally.optional(),
                  after: tally.optional(),
                }),
              )
              .describe('the first 200 differences, by rule, change and subject'),
            subjectsTotal: z.number(),
            cdrs: z.number().describe('stored CDRs replayed'),
          }),
        },
      },
    },
    async (request, reply) => {
      if (!comparer) throw new SentinelaError('STORE_UNAVAILABLE', 'no CDR store to compare over');
      // a client that goes away stops the replays: nobody reads the answer, and they hold the one comparison slot
      const gone = new AbortController();
      const closed = () => (reply.raw.writableEnded ? undefined : gone.abort());
      reply.raw.once('close', closed);
      if (request.raw.socket?.destroyed) gone.abort();
      const answer = await comparer.compare(request.body, rules.current, gone.signal).finally(() => reply.raw.off('close', closed));
      const subjects = answer.subjects.map((s) => ({ ...s, subject: mask ? maskSubject(s.subjectKind, s.subject) : s.subject }));
      return { ...answer, rules: [...answer.rules], subjects };
    },
  );
};

function bodyOf(ruleFiles: RuleFiles) {
  return {
    dir: ruleFiles.dir,
    files: [...ruleFiles.files],
    rules: ruleFiles.rules.map((r) => ({ ...r })),
    signalling: ruleFiles.signalling.map((r) => ({ ...r })),
    profiles: { ...ruleFiles.profiles },
    prefixLists: countBy(ruleFiles.prefixEntries.map((e) => e.list)),
    mappings: [...ruleFiles.mappings.keys()],
  };
}

function countBy(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
