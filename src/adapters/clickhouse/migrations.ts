import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SentinelaError } from '../../errors.js';

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  /** SQL as written, with the `{{db}}` placeholder; the checksum covers this text. */
  readonly sql: string;
  readonly checksum: string;
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** The migrations/ folder at the package root (same depth from src/ and from the compiled dist/). */
export const DEFAULT_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'migrations');

/** Reads `NNN_name.sql` files in version order. Any other file in the folder is an error, not silently skipped. */
export function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    throw new SentinelaError('MIGRATION_FILE_INVALID', `cannot read the migrations folder ${dir}: ${(err as Error).message}`);
  }
  const files = entries.map((file) => {
    const match = FILE_NAME.exec(file);
    if (!match?.[1] || !match[2]) {
      throw new SentinelaError('MIGRATION_FILE_INVALID', `${file}: migration files are named NNN_name.sql (lower case)`, { path: file });
    }
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version: Number(match[1]), name: match[2], file, sql, checksum: sha256(sql) };
  });
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    const [prev, cur] = [files[i - 1], files[i]] as [MigrationFile, MigrationFile];
    if (prev.version === cur.version) {
      throw new SentinelaError('MIGRATION_FILE_INVALID', `${prev.file} and ${cur.file} share version ${cur.version}`, { path: cur.file });
    }
  }
  return files;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
