import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RuleFiles } from '../../files/rule-files.js';

/** Admin: the rules and profiles in effect (defaults applied), as loaded at start. */
export const ruleRoutes: FastifyPluginAsyncZod<{ ruleFiles: RuleFiles }> = async (app, { ruleFiles }) => {
  const body = {
    dir: ruleFiles.dir,
    files: [...ruleFiles.files],
    rules: ruleFiles.rules.map((r) => ({ ...r })),
    profiles: { ...ruleFiles.profiles },
    prefixLists: countBy(ruleFiles.prefixEntries.map((e) => e.list)),
    mappings: [...ruleFiles.mappings.keys()],
  };
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
          }),
        },
      },
    },
    async () => body,
  );
};

function countBy(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
