import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startServer } from '../rig/server.js';

const BLOCKS = 50_000;

/**
 * The real embedded mode (`sentinela start`): the API's start (security, audit, the block table's bootstrap) reads
 * through the pipeline child while the child rebuilds its rule state (issue 19). The child killed then is restarted,
 * and the start reads again from the new one: it starts, with every active block in its table.
 */
describe('embedded mode: the pipeline child dies while the API starts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinela-start-kill-'));
  after(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));

  it('the API starts once a new child is ready, its block table whole', async () => {
    const env = { SENTINELA_DATA_DIR: dataDir, SENTINELA_MAX_EVENT_LOOP_DELAY: '10s' };
    // the bench's seeding (its own process: one process may open a chDB directory): the rebuild and bootstrap take a while
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/api-seed.ts'], { env: { ...process.env, ...env, BENCH_BLOCKS: String(BLOCKS) } });
    const server = await startServer([], env);
    try {
      // listening: the API's start and the child's first rebuild are under way
      const child = Number((await server.waitLog(/^pipeline process started$/))['pid']);
      process.kill(child, 'SIGKILL');
      const started = await server.waitLog(/^api started$/, 120_000);
      const died = server.logs.findIndex((l) => String(l['msg']).startsWith('pipeline process died'));
      assert.ok(died >= 0 && died < server.logs.indexOf(started), 'the child died before the API had started');
      assert.equal(started['blocks'], BLOCKS, 'every active block loaded');
      assert.ok(
        server.logs.some((l) => String(l['msg']).startsWith('the pipeline process went away while the API started')),
        'a start read was made again',
      );
      assert.ok(await server.ready());
      assert.equal(await server.metric('sentinela_pipeline_restarts_total'), 1);
      assert.equal(await server.metric('sentinela_active_blocks'), BLOCKS);
    } finally {
      await server.stop();
    }
  });
});
