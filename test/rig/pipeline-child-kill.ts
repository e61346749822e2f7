import assert from 'node:assert/strict';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import { cdr, waitFor } from '../processor/rig.js';
import { issueApiKey, startServer } from './server.js';

export interface ChildKillResult {
  readonly sent: string[];
  readonly acknowledged: string[];
  /** One entry per stored row (repeats included), read after the server stopped. */
  readonly storedRows: string[];
  readonly refusedDuringGap: number;
  readonly refusalCodes: string[];
  readonly checksDuringGap: number;
  readonly gapSeconds: number;
  readonly restarts: number;
}

/**
 * The embedded mode's pipeline child killed with SIGKILL while a PBX posts CDR bodies to `sentinela start`
 * (a real process) and asks block-check: during the gap the API must answer (healthz, block-check) and ingest
 * must refuse with a retryable code; the refused bodies are posted again once the new child is ready. Shared by
 * the `npm test` integration test and the fault lane (which posts more and prints figures).
 */
export async function killPipelineChild(o: { dataDir: string; database: string; perBody: number; paceMs: number }): Promise<ChildKillResult> {
  // shedding (under-pressure) on this busy machine is not the behaviour under test
  const env = { SENTINELA_DATA_DIR: o.dataDir, CLICKHOUSE_DATABASE: o.database, SENTINELA_MAX_EVENT_LOOP_DELAY: '10s' };
  const key = await issueApiKey(env);
  const server = await startServer([], env);
  try {
    await waitFor(() => server.ready(), 'the embedded server ready', 90_000);
    const firstPid = Number((await server.waitLog(/^pipeline process started$/))['pid']);
    const base = Date.now() - 3_600_000;
    const ids = (n: number) => Array.from({ length: o.perBody }, (_, i) => `child-${n}-${i}`);
    const body = (n: number) =>
      ids(n)
        .map((id, i) =>
          JSON.stringify(cdr(id, new Date(base + (n * o.perBody + i) * 50).toISOString(), { caller: `+5511300${String(i % 17).padStart(5, '0')}` })),
        )
        .join('\n')
        .concat('\n');
    const post = (bodies: number[]) =>
      fetch(`${server.url}/v1/cdrs`, { method: 'POST', headers: { ...key, 'content-type': 'application/x-ndjson' }, body: bodies.map(body).join('') });
    const acknowledged: number[] = [];
    const refused: number[] = [];
    const codes = new Set<string>();
    const check = () => fetch(`${server.url}/v1/block-check?tenant=acme&account=sales&caller=1130001000&callee=1130002000&ip=10.0.0.1`, { headers: key });

    let n = 0;
    for (; n < 5; n++) {
      assert.equal((await post([n])).status, 200);
      acknowledged.push(n);
    }
    const died = server.logs.length;
    process.kill(firstPid, 'SIGKILL');
    await server.waitLog(/^pipeline process died/, 10_000, died);
    const gapStart = Date.now();
    let checksDuringGap = 0;
    while (!(await server.ready())) {
      const res = await post([n]);
      if (res.status === 200) acknowledged.push(n);
      else {
        assert.equal(res.status, 503);
        codes.add(((await res.json()) as { code: string }).code);
        refused.push(n);
      }
      n++;
      assert.equal((await check()).status, 200, 'block-check answers while the pipeline restarts');
      checksDuringGap++;
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the API process is up');
      await new Promise((resolve) => setTimeout(resolve, o.paceMs));
    }
    const gapSeconds = (Date.now() - gapStart) / 1000;
    const restarted = await server.waitLog(/^pipeline process ready again$/, 90_000, died);
    assert.notEqual(restarted['pid'], firstPid);
    const restarts = await server.metric('sentinela_pipeline_restarts_total');
    // the sender retries what was refused; then everything sent again is all duplicates (stored before)
    assert.equal((await post(refused)).status, 200);
    acknowledged.push(...refused);
    const all = Array.from({ length: n }, (_, i) => i);
    const again = (await (await post(all)).json()) as { accepted: number; duplicates: number };
    assert.deepEqual([again.accepted, again.duplicates], [0, n * o.perBody], 'every body sent again is recognised as stored');
    assert.equal(await server.stop('SIGTERM'), 0, 'a polite stop exits 0');

    const client = createClickHouseClient({ mode: 'embedded', dataDir: o.dataDir });
    const rows = await (await client.query({ query: `SELECT id FROM ${o.database}.cdrs`, format: 'JSONEachRow' })).json<{ id: string }>();
    await client.close();
    return {
      sent: all.flatMap(ids),
      acknowledged: acknowledged.flatMap(ids),
      storedRows: rows.map((r) => r.id),
      refusedDuringGap: refused.length,
      refusalCodes: [...codes],
      checksDuringGap,
      gapSeconds,
      restarts,
    };
  } finally {
    await server.stop('SIGKILL');
  }
}
