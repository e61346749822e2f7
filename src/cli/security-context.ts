import { userInfo } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Readable } from 'node:stream';
import { createLogger } from '../log.js';
import { openCliSecurity } from '../main/security.js';
import type { Security } from '../security/security.js';
import type { CommandContext } from './command.js';

/** The operating-system user typing the command (EV05: the subject identity of a CLI record). */
export function cliActor(env: CommandContext['env']): string {
  let account = 'unknown';
  try {
    account = userInfo().username;
  } catch {
    // no passwd entry for this uid
  }
  return `os:${env['SUDO_USER'] ?? env['USER'] ?? env['LOGNAME'] ?? account}`;
}

const SECRET_OPTIONS = new Set(['--password', '--key', '--secret']);
/** The command line as audited: values of secret-looking options are replaced. */
export function maskedArgs(name: string, args: readonly string[]): string[] {
  return [name, ...args.map((a, i) => (SECRET_OPTIONS.has(args[i - 1] ?? '') ? '(hidden)' : a))];
}

/**
 * Runs a security command with the security services on this process's ClickHouse (its own audit chain
 * `cli:<instance>`), after auditing the command line itself (EV05).
 */
export async function withSecurity<T>(
  ctx: CommandContext,
  command: { name: string; args: readonly string[] },
  job: (sec: Security, actor: { actor: string; ip: string }, clickhouse: ClickHouseClient) => Promise<T>,
): Promise<T> {
  const config = ctx.config();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 2);
  const { security: sec, close, clickhouse } = await openCliSecurity(config, log);
  try {
    await sec.audit.loadSwitches();
    const actor = { actor: cliActor(ctx.env), ip: 'local' };
    await sec.audit.record({
      type: 'cli.command',
      actor: actor.actor,
      ip: actor.ip,
      result: 'success',
      details: { argv: maskedArgs(command.name, command.args) },
    });
    return await job(sec, actor, clickhouse);
  } finally {
    await close();
  }
}

/** A password from stdin (first line) when piped, or typed at a prompt without echo. */
export async function readPassword(ctx: CommandContext, prompt: string, fromStdin: boolean): Promise<string> {
  const input = ctx.stdin() as Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  if (fromStdin || !input.isTTY || !input.setRawMode) {
    let text = '';
    for await (const chunk of input) {
      text += String(chunk);
      if (text.includes('\n')) break;
    }
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(undefined);
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    const done = (err: Error | undefined) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    input.on('data', onData);
  });
}
