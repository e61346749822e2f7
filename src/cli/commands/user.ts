import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../../domain/security/roles.js';
import { SentinelaError } from '../../errors.js';
import type { Command } from '../command.js';
import { readPassword, withSecurity } from '../security-context.js';
import { iso } from '../../domain/time/iso.js';

export const userCommand: Command = {
  name: 'user',
  summary: 'add, list and unlock management users (the first administrator is made here)',
  help: `Usage: sentinela user add --name NAME --role ROLE [--full-name "Full Name"] [--tenant T --extensions a,b] [--password-stdin]
       sentinela user list
       sentinela user unlock --name NAME

Roles: ${ROLES.join(', ')}. A user with role "user" sees only the calls, alerts and blocks of their
extensions (accounts or caller numbers of --tenant).
The password is typed at a prompt without echo, or read from the first line of stdin with --password-stdin.
There is no default password. Policy (A9): at least 8 characters with upper case, lower case, a digit and a
special character; not containing the user name or initials.
Every command is audited in audit_log (EV05) under the operating-system user. With a ClickHouse server it
works while Sentinela runs: every replica reads locks from ClickHouse, so an unlock holds at once. In the
embedded mode run it while the server is stopped (chDB is opened by one process at a time), or unlock through
the API (POST /v1/users/NAME/unlock): an EV03 lock holds only for the address the failures came from.

unlock lifts the user's EV03 locks from every address and an EV09 lock.

Options:
  --name NAME         user name (lower case letters, digits, . _ -)
  --role ROLE         ${ROLES.join(' | ')}
  --full-name TEXT    the person's name (its initials may not be in the password)
  --tenant T          role user: the tenant of their extensions
  --extensions LIST   role user: comma-separated accounts or caller numbers
  --password-stdin    read the password from stdin instead of prompting
  -h, --help          show this help`,
  async run(args, ctx) {
    const [action, ...rest] = args;
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        name: { type: 'string' },
        role: { type: 'string' },
        'full-name': { type: 'string' },
        tenant: { type: 'string' },
        extensions: { type: 'string' },
        'password-stdin': { type: 'boolean', default: false },
      },
    });
    const need = (v: string | undefined, flag: string): string => {
      if (!v) throw new SentinelaError('CLI_USAGE', `${flag} is required`);
      return v;
    };
    if (action === 'add') {
      const name = need(values.name, '--name');
      const role = need(values.role, '--role');
      if (!ROLES.includes(role as Role)) throw new SentinelaError('CLI_USAGE', `--role: one of ${ROLES.join(', ')}`);
      const password = await readPassword(ctx, `password for ${name}: `, values['password-stdin']);
      return withSecurity(ctx, { name: 'user', args }, async (sec, by) => {
        const user = await sec.accounts.addUser(
          {
            name,
            role: role as Role,
            fullName: values['full-name'],
            tenant: values.tenant,
            extensions: values.extensions
              ?.split(',')
              .map((e) => e.trim())
              .filter(Boolean),
            password,
          },
          by,
        );
        ctx.stdout(`user ${user.name} created with role ${user.role}`);
        return 0;
      });
    }
    if (action === 'list') {
      return withSecurity(ctx, { name: 'user', args }, async (sec) => {
        for (const u of await sec.store.listUsers()) {
          const from = (await sec.accounts.locksOf(u.name)).map((l) => l.ip);
          ctx.stdout(
            [
              u.name,
              u.role,
              u.locked ? `LOCKED (${u.lockedReason})` : from.length > 0 ? `LOCKED from ${from.join(', ')} (EV03)` : 'active',
              u.lastLogin ? `last login ${iso(u.lastLogin.at)} from ${u.lastLogin.ip}` : 'never logged in',
            ].join('\t'),
          );
        }
        return 0;
      });
    }
    if (action === 'unlock') {
      const name = need(values.name, '--name');
      return withSecurity(ctx, { name: 'user', args }, async (sec, by) => {
        await sec.accounts.unlock(name, by);
        ctx.stdout(`user ${name} unlocked`);
        return 0;
      });
    }
    throw new SentinelaError('CLI_USAGE', 'expected add, list or unlock');
  },
};
