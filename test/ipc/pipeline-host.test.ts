import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import { cdr, waitFor } from '../processor/rig.js';
import { issueApiKey, startServer } from '../rig/server.js';

/**
 * The embedded mode's pipeline child killed with SIGKILL under a stream of POST /v1/cdrs: the API process stays
 * up (block-check answers from memory, /readyz says why it is not ready), ingest answers a retryable 503
 * INGEST_UNAVAILABLE until a new child is ready, and every acknowledged CDR is stored exactly once.
 */
describe('embedded mode: the pipeline child dies', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinela-child-'));
  after(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));

  it('is restarted without taking the API down, and loses no acknowledged CDR', async () => {
    // shedding (under-pressure) on this busy machine is not the behaviour under test
    const env = { SENTINELA_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: 'sentinela_child', SENTINELA_MAX_EVENT_LOOP_DELAY: '10s' };
    const key = await issueApiKey(env);
    const server = await startServer([], env);
    try {
      await waitFor(() => server.ready(), 'the embedded server ready', 90_000);
      const firstPid = Number((await server.waitLog(/^pipeline process started$/))['pid']);
      const base = Date.now() - 3_600_000;
      const body = (n: number) =>
        Array.from({ length: 10 }, (_, i) => JSON.stringify(cdr(`child-${n}-${i}`, new Date(base + (n * 10 + i) * 100).toISOString())))
          .join('\n')
          .concat('\n');
      const post = (n: number) =>
        fetch(`${server.url}/v1/cdrs`, { method: 'POST', headers: { ...key, 'content-type': 'application/x-ndjson' }, body: body(n) });
      const acknowledged = new Set<number>();
      const refused = new Set<number>();
      const codes = new Set<string>();
      const check = () => fetch(`${server.url}/v1/block-check?tenant=acme&account=sales&caller=1130001000&callee=1130002000&ip=10.0.0.1`, { headers: key });

      for (let n = 0; n < 5; n++) {
        assert.equal((await post(n)).status, 200);
        acknowledged.add(n);
      }
      const died = server.logs.length;
      process.kill(firstPid, 'SIGKILL');
      await server.waitLog(/^pipeline process died/, 10_000, died);
      // the gap: the API answers, ingest refuses with a retryable code
      let n = 5;
      let checksDuringGap = 0;
      while (!(await server.ready())) {
        const res = await post(n);
        if (res.status === 200) acknowledged.add(n);
        else {
          assert.equal(res.status, 503);
          const answer = (await res.json()) as { code: string };
          codes.add(answer.code);
          refused.add(n);
        }
        n++;
        await new Promise((resolve) => setTimeout(resolve, 200));
        const verdict = await check();
        assert.equal(verdict.status, 200, 'block-check answers while the pipeline restarts');
        checksDuringGap++;
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the API process is up');
      }
      assert.ok(refused.size > 0, 'POSTs were refused during the gap');
      assert.deepEqual([...codes], ['INGEST_UNAVAILABLE']);
      const restarted = await server.waitLog(/^pipeline process ready again$/, 90_000, died);
      assert.notEqual(restarted['pid'], firstPid);
      assert.equal(await server.metric('sentinela_pipeline_restarts_total'), 1);
      // the sender retries the refused bodies; then every body sent again is all duplicates
      const retried = await fetch(`${server.url}/v1/cdrs`, {
        method: 'POST',
        headers: { ...key, 'content-type': 'application/x-ndjson' },
        body: [...refused].map(body).join(''),
      });
      assert.equal(retried.status, 200);
      const everything = Array.from({ length: n }, (_, i) => body(i)).join('');
      const res = await fetch(`${server.url}/v1/cdrs`, { method: 'POST', headers: { ...key, 'content-type': 'application/x-ndjson' }, body: everything });
      const again = (await res.json()) as { accepted: number; duplicates: number };
      assert.deepEqual([again.accepted, again.duplicates], [0, n * 10], 'every body sent again is recognised as stored');
      console.log(
        `# pipeline child killed: ${acknowledged.size} bodies acknowledged before/while, ${refused.size} refused 503 INGEST_UNAVAILABLE during the gap, ${checksDuringGap} block-checks answered`,
      );
      assert.equal(await server.stop('SIGTERM'), 0, 'a polite stop exits 0');

      const client = createClickHouseClient({ mode: 'embedded', dataDir });
      const [stored] = await (
        await client.query({ query: 'SELECT count() AS n, uniqExact(id) AS ids FROM sentinela_child.cdrs', format: 'JSONEachRow' })
      ).json<{ n: string; ids: string }>();
      assert.deepEqual([Number(stored?.n), Number(stored?.ids)], [n * 10, n * 10], 'every CDR exactly once');
      await client.close();
    } finally {
      await server.stop('SIGKILL');
    }
  });
});
