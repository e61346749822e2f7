import type { Readable } from 'node:stream';
import type { Config } from '../config/config.js';

export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Parsed on first use, so `--help` works even with a broken configuration. */
  readonly config: () => Config;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, for commands that read `-`. */
  readonly stdin: () => Readable;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full help text printed by `sentinela <name> --help`. */
  readonly help: string;
  /** Resolves to the process exit code. */
  run(args: readonly string[], ctx: CommandContext): Promise<number>;
}

/**
 * A usage error found by a command's own checks: printed with the command's help, exit 2, like node:util parseArgs's
 * own (main.ts knows them by their ERR_PARSE_ARGS code prefix).
 */
export function usage(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_USAGE' });
}
