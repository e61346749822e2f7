import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cdr, waitFor } from '../processor/rig.js';
import { issueApiKey, startServer } from '../rig/server.js';

const ruleFile = (id: string, key: 'caller' | 'ip') =>
  `rules:\n  - id: ${id}\n    description: calls per ${key}\n    cites: [G1]\n    key: ${key}\n    match: { directions: [outbound] }\n    measure: { kind: count }\n    window: 10m\n    thresholds: { warn: 3 }\n`;

/**
 * The real embedded mode (`sentinela start`): an edit reloads the rules in the API process and in the pipeline
 * child, which rebuilds its windows from the stored CDRs with the files the API process validated; SIGHUP reloads
 * too (README "Hot reload").
 */
describe('embedded mode: a reload puts the rules in force in the API process and the pipeline child', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-sighup-'));
  after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));

  it('a rule added on disk counts the calls before the reload with the one after; a restarted child keeps the rules in force', async () => {
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'burst.yaml'), ruleFile('burst-caller', 'caller'));
    const env = { SENTINELA_DATA_DIR: join(dir, 'data'), SENTINELA_RULES_DIR: rulesDir, SENTINELA_MAX_EVENT_LOOP_DELAY: '10s' };
    const { authorization } = await issueApiKey(env);
    const server = await startServer([], env);
    let passed = false;
    try {
      await waitFor(() => server.ready(), 'the embedded server ready', 90_000);
      const started = Date.now() - 120_000;
      const post = async (ids: readonly number[], srcIp = '200.160.2.3') => {
        const body = ids
          .map((n) => JSON.stringify(cdr(`hup-${n}`, new Date(started + n * 10_000).toISOString(), { callee: `+5511400${n}0000`, srcIp })))
          .join('\n');
        const res = await fetch(`${server.url}/v1/cdrs`, { method: 'POST', headers: { authorization, 'content-type': 'application/x-ndjson' }, body });
        assert.equal(((await res.json()) as { accepted: number }).accepted, ids.length);
      };
      await post([0, 1]);
      const logged = async (msg: string, trigger: string, from: number) =>
        waitFor(() => server.logs.slice(from).some((l) => l['msg'] === msg && l['trigger'] === trigger), `${msg} (${trigger})`, 30_000);
      // saved as an editor does (renamed into place): the watcher reloads, in this process and in the child
      const save = (text: string) => {
        writeFileSync(join(rulesDir, '.ip.yaml.swp'), text);
        renameSync(join(rulesDir, '.ip.yaml.swp'), join(rulesDir, 'ip.yaml'));
      };
      const from = server.logs.length;
      save(ruleFile('burst-ip', 'ip'));
      await logged('rules reloaded', 'change', from);
      await waitFor(() => server.ready(), 'the pipeline rebuilt', 30_000);
      await post([2]);
      const alerts = (rule: string) => server.metric(`sentinela_verdicts_total{rule="${rule}",kind="alert"}`);
      await waitFor(async () => (await alerts('burst-ip')) === 1, 'the new rule alerting in the child', 20_000);
      assert.equal(await alerts('burst-caller'), 1);
      assert.equal(await server.metric('sentinela_rules_reloads_total{result="accepted"}'), 1);
      // SIGHUP reads the directory again (nothing is pending: no watcher's reload can come first)
      const hup = server.logs.length;
      server.child.kill('SIGHUP');
      await logged('rule files unchanged', 'sighup', hup);

      // an edit refused, then the child dies: the new one starts with the rules in force, not with the directory's
      const refusedAt = server.logs.length;
      save('rules: [\n');
      await waitFor(() => server.logs.slice(refusedAt).some((l) => String(l['msg']).startsWith('rule reload refused')), 'the refusal', 30_000);
      process.kill(Number(server.logs.find((l) => l['msg'] === 'pipeline process started')?.['pid']), 'SIGKILL');
      await waitFor(() => server.logs.slice(refusedAt).some((l) => l['msg'] === 'pipeline process ready again'), 'the new child ready', 90_000);
      await post([3, 4, 5], '203.0.113.9');
      await waitFor(async () => (await alerts('burst-ip')) === 1, 'burst-ip alerting in the new child', 20_000);
      passed = true;
    } finally {
      // a failure above is the one to report, not the exit code of a server stopped mid-way
      const code = await server.stop();
      if (passed) assert.equal(code, 0);
    }
  });
});
