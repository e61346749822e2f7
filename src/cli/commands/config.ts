import { parseArgs } from 'node:util';
import { SETTINGS, type Setting } from '../../config/settings.js';
import type { Command } from '../command.js';

export const configCommand: Command = {
  name: 'config',
  summary: 'validate and print the effective configuration, or the table of settings',
  help: `Usage: sentinela config [--table]

Parses the configuration (environment variables, plus SENTINELA_CONFIG_FILE) exactly as \`start\` would and prints
it as JSON with secrets hidden. Exits 2 naming every invalid variable.

Options:
  --table     print every setting with its default and meaning as a Markdown table
  -h, --help  show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { table: { type: 'boolean' } }, strict: true });
    if (values.table) {
      ctx.stdout(settingsTable());
      return 0;
    }
    const config = ctx.config();
    ctx.stdout(JSON.stringify(config, (key, value: unknown) => (/password/i.test(key) && value ? '(hidden)' : value), 2));
    return 0;
  },
};

export function settingsTable(): string {
  const rows = (Object.entries(SETTINGS) as [string, Setting][]).map(
    ([name, s]) => `| \`${name}\` | ${s.default === undefined ? '(unset)' : `\`${s.default}\``} | ${s.description.replaceAll('|', '\\|')} |`,
  );
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
