import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { readBulk, writeBulk } from '../../src/ipc/bulk-file.js';

describe('bytes handed over through a file (the bootstrap between the pipeline child and the API process)', () => {
  it('reads back every byte of every chunk, in order, then the file is gone', async () => {
    const chunks = [Buffer.from('a\tb\n'), new Uint8Array(0), Buffer.alloc(100_000, 7), Buffer.from('é\n')];
    const file = await writeBulk(chunks);
    const [read] = await readBulk(file);
    assert.deepEqual(Buffer.from(read as Uint8Array), Buffer.concat(chunks));
    assert.equal(existsSync(dirname(file)), false);
  });

  it('refuses, and leaves alone, a file it did not write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinela-other-'));
    const file = join(dir, 'bytes');
    writeFileSync(file, 'x');
    try {
      await assert.rejects(readBulk(file), (err: Error & { code?: string }) => err.code === 'INTERNAL');
      assert.equal(existsSync(file), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
