import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { cdr, migrated, NOW } from '../processor/rig.js';
import { embeddedApi, loginAs, testClock } from './rig.js';

/** A count rule on `key` that warns at `warn` calls within 10 min. */
const ruleFile = (id: string, key: 'caller' | 'ip', warn: number) =>
  `rules:\n  - id: ${id}\n    description: calls per ${key}\n    cites: [G1]\n    key: ${key}\n    match: { directions: [outbound] }\n    measure: { kind: count }\n    window: 10m\n    thresholds: { warn: ${warn} }\n`;

/** Saves like an editor: a temporary file renamed over the old one. */
function save(dir: string, name: string, text: string): void {
  const tmp = join(dir, `.${name}.swp`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(dir, name));
}

async function until(what: () => boolean, label: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Api = Awaited<ReturnType<typeof embeddedApi>>;
const CALLER = '+551130007777';

describe('hot reload of the rules directory (README "Hot reload")', () => {
  let ch: TestClickHouse;
  let dir: string;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(async () => {
    await ch.drop();
  });

  const start = async (t: Parameters<typeof embeddedApi>[0]) => {
    dir = mkdtempSync(join(tmpdir(), 'sentinela-reload-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    save(dir, 'burst.yaml', ruleFile('burst-caller', 'caller', 3));
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), ruleFiles: loadRuleFiles(dir) });
    const op = await loginAs(api, 'noc-ops', 'operator');
    let n = 0;
    const post = async (count: number, srcIp: string) => {
      const lines = Array.from({ length: count }, () => {
        n++;
        return JSON.stringify(
          cdr(`reload-${srcIp}-${n}`, new Date(NOW - 300_000 + n * 10_000).toISOString(), { caller: CALLER, srcIp, callee: `+5511400${n}0000` }),
        );
      });
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/cdrs',
        headers: { ...op, 'content-type': 'application/x-ndjson' },
        payload: lines.join('\n'),
      });
      assert.equal(res.statusCode, 200, res.body);
    };
    const alerts = async (rule: string) => (await api.store.searchAlerts({ tenant: 'acme', rule, limit: 10, offset: 0 })).total;
    const shown = async () =>
      (await api.app.inject({ url: '/v1/rules', headers: op })).json<{ rules: { id: string; thresholds: unknown }[]; reload: Api['rules']['status'] }>();
    // this test's reloads (the database is shared by the tests of this file)
    const audited = async () =>
      (
        await ch.rows<{ result: string; details: string }>(
          `SELECT toString(result) AS result, details FROM ${ch.database}.audit_log WHERE event_type = 'rules.reload' ORDER BY seq`,
        )
      ).filter((r) => (JSON.parse(r.details) as { dir: string }).dir === dir);
    return { api, post, alerts, shown, audited };
  };

  it('puts an edit on disk in force and keeps the windows counting across it', async (t) => {
    const { api, post, alerts, shown, audited } = await start(t);
    const before = api.rules.status.digest;
    await post(2, '203.0.113.71'); // two calls: under burst-caller's 3
    save(dir, 'ip.yaml', ruleFile('burst-ip', 'ip', 3));
    await until(() => api.rules.status.result === 'accepted', 'the reload');
    assert.deepEqual((await shown()).rules.map((r) => r.id).sort(), ['burst-caller', 'burst-ip']);
    await post(1, '203.0.113.71');
    // the third call is counted with the two before the reload, by the rule that was there and by the new one
    assert.deepEqual([await alerts('burst-caller'), await alerts('burst-ip')], [1, 1]);
    const [row] = await audited();
    const details = JSON.parse(row?.details ?? '{}') as Record<string, unknown>;
    assert.deepEqual([row?.result, details['trigger'], details['from'], details['to']], ['success', 'change', before, api.rules.status.digest]);
    assert.notEqual(before, api.rules.status.digest);
  });

  it('refuses an invalid edit with the startup message, keeps the rules in force, audits and shows it; SIGHUP reloads', async (t) => {
    const { api, post, alerts, shown, audited } = await start(t);
    const before = api.rules.status.digest;
    save(dir, 'burst.yaml', ruleFile('burst-caller', 'caller', 3).replace('    cites: [G1]\n', ''));
    const startup = (() => {
      try {
        loadRuleFiles(dir);
        return 'loaded';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    assert.match(startup, /burst\.yaml: rule burst-caller: cites: /);
    await until(() => api.rules.status.result === 'refused', 'the refusal');
    const view = await shown();
    assert.deepEqual(
      [view.reload.error, view.reload.digest, view.rules.map((r) => r.id)],
      [{ code: 'RULES_INVALID', message: startup }, before, ['burst-caller']],
    );
    const metrics = (await api.app.inject({ url: '/metrics' })).body;
    assert.match(metrics, /^sentinela_rules_reload_refused 1$/m);
    assert.match(metrics, /^sentinela_rules_reloads_total\{result="refused"\} 1$/m);
    await post(3, '203.0.113.72');
    assert.equal(await alerts('burst-caller'), 1, 'the old rule still answers');
    const refusal = (await audited())[0];
    const details = JSON.parse(refusal?.details ?? '{}') as { from: string; to: null; error: { message: string } };
    assert.deepEqual([refusal?.result, details.from, details.to, details.error.message], ['failure', before, null, startup]);

    // SIGHUP reads the directory at once (the watcher's reload, 300 ms later, finds it unchanged)
    writeFileSync(join(dir, 'burst.yaml'), ruleFile('burst-caller', 'caller', 5));
    process.kill(process.pid, 'SIGHUP');
    await until(() => api.rules.status.result === 'accepted' || api.rules.status.result === 'unchanged', 'the SIGHUP reload');
    assert.deepEqual((await shown()).rules[0]?.thresholds, { warn: 5 });
    const accepted = (await audited()).filter((r) => r.result === 'success').map((r) => (JSON.parse(r.details) as { trigger: string }).trigger);
    assert.deepEqual(accepted, ['sighup']);
  });
});
