import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killPipelineChild } from '../rig/pipeline-child-kill.js';

/**
 * The embedded mode's pipeline child killed with SIGKILL under a stream of POST /v1/cdrs: the API process stays
 * up (block-check answers from memory, /readyz says why it is not ready), ingest answers a retryable 503
 * INGEST_UNAVAILABLE until a new child is ready, and every acknowledged CDR is stored exactly once.
 */
describe('embedded mode: the pipeline child dies', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinela-child-'));
  after(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));

  it('is restarted without taking the API down, and loses no acknowledged CDR', async () => {
    const r = await killPipelineChild({ dataDir, database: 'sentinela_child', perBody: 10, paceMs: 200 });
    assert.ok(r.refusedDuringGap > 0, 'POSTs were refused during the gap');
    assert.deepEqual(r.refusalCodes, ['INGEST_UNAVAILABLE']);
    assert.equal(r.restarts, 1, 'sentinela_pipeline_restarts_total');
    const stored = new Set(r.storedRows);
    assert.equal(r.storedRows.length, stored.size, 'no CDR stored twice');
    assert.deepEqual(
      r.acknowledged.filter((id) => !stored.has(id)),
      [],
      'no acknowledged CDR lost',
    );
    assert.equal(stored.size, r.sent.length);
  });
});
