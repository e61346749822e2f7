import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RuleFiles } from '../../files/rule-files.js';
import type { RulesInForce } from '../../files/rule-reload.js';

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
export const ruleRoutes: FastifyPluginAsyncZod<{ rules: RulesInForce }> = async (app, { rules }) => {
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
};

function bodyOf(ruleFiles: RuleFiles) {
  return {
    dir: ruleFiles.dir,
    files: [...ruleFiles.files],
    rules: ruleFiles.rules.map((r) => ({ ...r })),
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
