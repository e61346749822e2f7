import { pino, type Logger, type LevelWithSilent } from 'pino';

/**
 * pino JSON logs. CLI commands log to stderr so that their stdout stays the command's result
 * (NDJSON verdicts, reports) and can be piped.
 */
export function createLogger(level: LevelWithSilent, destination: 1 | 2 = 2): Logger {
  return pino({ level, base: { service: 'sentinela' } }, pino.destination({ fd: destination, sync: true }));
}
