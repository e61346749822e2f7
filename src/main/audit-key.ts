import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { SentinelaError } from '../errors.js';

/**
 * The audit chain key (A5): SENTINELA_AUDIT_KEY, or a random key generated once into the data directory
 * (mode 0600). It never goes into ClickHouse: whoever can edit the tables cannot re-seal a record.
 */
export function auditKey(config: Config): Buffer {
  if (config.security.auditKey) return Buffer.from(config.security.auditKey, 'utf8');
  const dir = config.clickhouse.mode === 'embedded' ? config.clickhouse.dataDir : '.';
  const file = join(dir, 'audit.key');
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new SentinelaError('CONFIG_FILE_UNREADABLE', `cannot read the audit key ${file}: ${(err as Error).message}`, { path: 'SENTINELA_AUDIT_KEY' });
  }
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return auditKey(config); // another process made it first
    throw err;
  }
  return key;
}

/** This instance's name in audit chains. */
export function instanceId(config: Config): string {
  return (
    config.security.instanceId ??
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 64)
  );
}
