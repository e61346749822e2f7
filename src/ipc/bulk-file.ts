import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SentinelaError } from '../errors.js';

const PREFIX = 'sentinela-bulk-';

/**
 * Bytes too many for the IPC channel handed over through a file: the bootstrap's active blocks (115 MB for a
 * million, issue 19). On the channel they move a socket buffer per turn of the sender's event loop, busy then with
 * its own rule state rebuild (~1-2 s), and are copied again at each end; a file is written and read in one call each,
 * off both event loops. Readable by this user only; the reader deletes it.
 */
export async function writeBulk(chunks: readonly Uint8Array[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), PREFIX));
  const file = join(dir, 'bytes');
  try {
    await writeFile(file, chunks, { mode: 0o600 });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new SentinelaError('STORE_QUERY_FAILED', `could not write the bytes to hand over: ${(err as Error).message}`, {}, { cause: err });
  }
  return file;
}

/** The bytes `writeBulk` wrote, as one chunk; the file is gone afterwards (read or not). */
export async function readBulk(file: string): Promise<Uint8Array[]> {
  const dir = dirname(file);
  // only a directory writeBulk made is ever removed
  if (dirname(dir) !== tmpdir() || !basename(dir).startsWith(PREFIX)) throw new SentinelaError('INTERNAL', `not a bulk file: ${file}`);
  try {
    return [await readFile(file)];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
