import { parseArgs } from 'node:util';
import { SentinelaError } from '../../errors.js';
import type { Command } from '../command.js';
import { withSecurity } from '../security-context.js';
import { iso } from '../../domain/time/iso.js';
import { TENANT_NAME } from '../../domain/cdr/contract.js';

export const apikeyCommand: Command = {
  name: 'apikey',
  summary: 'issue, list and revoke PBX API keys for block-check and CDR ingest',
  help: `Usage: sentinela apikey add --tenant TENANT --name NAME
       sentinela apikey list
       sentinela apikey revoke --id ID

add prints the key once (snk_<id>_<secret>); only its SHA-256 is stored. The PBX sends it as
Authorization: Bearer <key> or X-Api-Key: <key>. --tenant * makes a key valid for every tenant.
Running servers see new keys and revocations within 10 s. Every command is audited (EV05).

Options:
  --tenant TENANT  the tenant the PBX may ask about, or *
  --name NAME      what the key is for (e.g. the PBX host)
  --id ID          the key to revoke (see list)
  -h, --help       show this help`,
  async run(args, ctx) {
    const [action, ...rest] = args;
    const { values } = parseArgs({ args: rest, strict: true, options: { tenant: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' } } });
    if (action === 'add') {
      const { tenant, name } = values;
      if (!tenant || (tenant !== '*' && !TENANT_NAME.test(tenant))) throw new SentinelaError('CLI_USAGE', '--tenant: a tenant name or *');
      if (!name) throw new SentinelaError('CLI_USAGE', '--name is required');
      return withSecurity(ctx, { name: 'apikey', args }, async (sec, by) => {
        const made = await sec.apiKeys.create(tenant, name, by);
        ctx.stderr(`API key ${made.record.id} for tenant ${tenant} (${name}); it is shown only now:`);
        ctx.stdout(made.key);
        return 0;
      });
    }
    if (action === 'list') {
      return withSecurity(ctx, { name: 'apikey', args }, async (sec) => {
        await sec.apiKeys.refresh();
        for (const k of sec.apiKeys.list())
          ctx.stdout([k.id, k.tenant, k.name, iso(k.createdAt), k.revokedAt === null ? 'active' : `revoked ${iso(k.revokedAt)} by ${k.revokedBy}`].join('\t'));
        return 0;
      });
    }
    if (action === 'revoke') {
      const id = values.id;
      if (!id) throw new SentinelaError('CLI_USAGE', '--id is required');
      return withSecurity(ctx, { name: 'apikey', args }, async (sec, by) => {
        await sec.apiKeys.revoke(id, by);
        ctx.stdout(`API key ${id} revoked`);
        return 0;
      });
    }
    throw new SentinelaError('CLI_USAGE', 'expected add, list or revoke');
  },
};
