import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killPipelineChild } from '../rig/pipeline-child-kill.js';
import { figuresOf, report } from './figures.js';

/**
 * Embedded mode: the pipeline child (which owns chDB) killed with SIGKILL while a PBX posts CDR bodies and asks
 * block-check (the same rig as test/ipc/pipeline-host.test.ts, with larger bodies). The API process restarts it.
 */
describe('embedded mode: the pipeline child killed', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinela-child-faults-'));
  after(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));

  it('is restarted without taking the API down; no acknowledged CDR lost', async () => {
    const r = await killPipelineChild({ dataDir, database: 'sentinela_child_faults', perBody: 100, paceMs: 100 });
    report(
      'embedded pipeline child killed',
      figuresOf(r.sent, r.acknowledged, r.storedRows),
      `gap ${r.gapSeconds.toFixed(1)} s: ${r.checksDuringGap} block-checks and /healthz answered 200, ${r.refusedDuringGap} bodies answered 503 ${r.refusalCodes.join(', ')} (sent again after the restart); sentinela_pipeline_restarts_total ${r.restarts}`,
    );
    assert.deepEqual(r.refusalCodes, ['INGEST_UNAVAILABLE']);
    assert.equal(r.restarts, 1);
  });
});
