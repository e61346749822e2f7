import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { cdr, waitFor } from '../processor/rig.js';
import { issueApiKey, startServer } from '../rig/server.js';

/**
 * The real embedded mode (`sentinela start`: the API process and its pipeline child): block-checks open live calls
 * in the API process, CDRs posted to /v1/cdrs are persisted by the child, and the child's call ends reach the API
 * over the IPC channel (issue 16, live concurrent calls).
 */
describe('embedded mode: call ends cross from the pipeline child to the API process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-call-ends-'));
  after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));

  it('a CDR posted for a live call frees its place under the cap', async () => {
    const rulesDir = join(dir, 'rules');
    cpSync('rules', rulesDir, { recursive: true });
    const profiles = parse(readFileSync(join(rulesDir, 'profiles.yaml'), 'utf8')) as Record<string, unknown>;
    profiles['tenants'] = { acme: { accounts: { travel: { international: { policy: 'allow' }, concurrency: { international: 2 } } } } };
    writeFileSync(join(rulesDir, 'profiles.yaml'), stringify(profiles));
    const env = { SENTINELA_DATA_DIR: join(dir, 'data'), SENTINELA_RULES_DIR: rulesDir, SENTINELA_MAX_EVENT_LOOP_DELAY: '10s' };
    const { authorization } = await issueApiKey(env);
    const server = await startServer([], env);
    try {
      await waitFor(() => server.ready(), 'the embedded server ready', 90_000);
      const headers = { authorization };
      const ask = async (n: number) => {
        const q = `tenant=acme&account=travel&caller=113000101${n}&callee=0035121123450${n}&callId=call-${n}%40pbx`;
        return ((await (await fetch(`${server.url}/v1/block-check?${q}`, { headers })).json()) as { action: string }).action;
      };
      const started = Date.now();
      assert.deepEqual([await ask(0), await ask(1), await ask(2)], ['allow', 'allow', 'block']);
      assert.equal(await server.metric('sentinela_live_calls{tenant="acme"}'), 2);
      const body = `${JSON.stringify(
        cdr('ends-0', new Date(started).toISOString(), { account: 'travel', caller: '+551130001010', callee: '+351211234500', callId: 'call-0@pbx' }),
      )}\n`;
      const res = await fetch(`${server.url}/v1/cdrs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson' }, body });
      assert.equal(((await res.json()) as { accepted: number }).accepted, 1);
      await waitFor(async () => (await server.metric('sentinela_live_calls{tenant="acme"}')) === 1, 'the call end relayed to the API process', 20_000);
      assert.equal(await ask(3), 'allow');
    } finally {
      await server.stop();
    }
  });
});
