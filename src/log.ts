import { pino, type Logger, type LevelWithSilent } from 'pino';
import { maskNumber } from './domain/security/masking.js';

/**
 * pino JSON logs. CLI commands log to stderr so that their stdout stays the command's result
 * (NDJSON verdicts, reports) and can be piped.
 */
export function createLogger(level: LevelWithSilent, destination: 1 | 2 | NodeJS.WritableStream = 2, o: { maskCallers?: boolean } = {}): Logger {
  const out = typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  return pino({ level, base: { service: 'sentinela' }, redact: redaction(o.maskCallers ?? false) }, out);
}

/** Secrets are never logged; with A13 anonymity, neither are caller numbers (masked, see maskNumber). */
function redaction(maskCallers: boolean) {
  const secrets = ['password', 'current', 'token', 'secret', 'authorization', 'apiKey'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  const callers = maskCallers ? ['caller', 'callerE164'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]) : [];
  return {
    paths: [...secrets, ...callers, 'req.headers.authorization', 'req.headers["x-api-key"]'],
    censor: (value: unknown, path: string[]) =>
      callers.length > 0 && /^caller/.test(path.at(-1) ?? '') && typeof value === 'string' ? maskNumber(value) : '[redacted]',
  };
}
