import type { Readable } from 'node:stream';
import { loadConfig, type Config } from '../config/config.js';
import { SentinelaError, toSentinelaError } from '../errors.js';
import type { Command, CommandContext } from './command.js';
import { apikeyCommand } from './commands/apikey.js';
import { auditCommand } from './commands/audit.js';
import { configCommand } from './commands/config.js';
import { demoCommand } from './commands/demo.js';
import { edgeCommand } from './commands/edge.js';
import { evaluateCommand } from './commands/evaluate.js';
import { migrateCommand } from './commands/migrate.js';
import { normaliseCommand } from './commands/normalise.js';
import { replayCommand } from './commands/replay.js';
import { simulateCommand } from './commands/simulate.js';
import { startCommand } from './commands/start.js';
import { userCommand } from './commands/user.js';
import { listsCommand } from './commands/lists.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin?: () => Readable;
}
const processIo: CliIo = {
  stdin: () => process.stdin,
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

const COMMANDS: readonly Command[] = [
  startCommand,
  demoCommand,
  migrateCommand,
  userCommand,
  apikeyCommand,
  auditCommand,
  listsCommand,
  edgeCommand,
  normaliseCommand,
  replayCommand,
  simulateCommand,
  evaluateCommand,
  configCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: sentinela <command> [options]',
    '',
    'Real-time toll-fraud detection for VoIP operators.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `sentinela <command> --help` for the options of a command.',
    'Configuration comes from environment variables (see `sentinela config --table`).',
  ].join('\n');
}

/** Runs the CLI and resolves to the exit code: 0 success, 1 runtime failure, 2 usage or configuration error. */
export async function runCli(argv: readonly string[], env: CommandContext['env'] = process.env, io: CliIo = processIo): Promise<number> {
  const out = io.stdout;
  const err = io.stderr;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    err(`sentinela: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(command.help);
    return 0;
  }
  let config: Config | undefined;
  const ctx: CommandContext = { env, config: () => (config ??= loadConfig(env)), stdout: out, stderr: err, stdin: io.stdin ?? (() => process.stdin) };
  try {
    return await command.run(rest, ctx);
  } catch (caught) {
    const error = isUsageError(caught) ? new SentinelaError('CLI_USAGE', `${(caught as Error).message}\n\n${command.help}`) : toSentinelaError(caught);
    err(`sentinela ${name}: ${error.code}: ${error.message}`);
    return error.code === 'CLI_USAGE' || error.code.startsWith('CONFIG_') || error.code.startsWith('RULES_') ? 2 : 1;
  }
}

/** node:util parseArgs reports unknown or malformed options with these codes. */
function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
