import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { cdr, migrated, NOW, waitFor } from '../processor/rig.js';
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

/** An audited reload: the watcher's comes when it comes, so tests wait for the record instead of sleeping. */
interface Audited {
  readonly result: string;
  readonly details: { trigger: string; from: string; to: string | null; error?: { code: string; message: string } };
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
    const audited = async (): Promise<Audited[]> =>
      (
        await ch.rows<{ result: string; details: string }>(
          `SELECT toString(result) AS result, details FROM ${ch.database}.audit_log WHERE event_type = 'rules.reload' ORDER BY seq`,
        )
      )
        .map((r) => ({ result: r.result, details: JSON.parse(r.details) as Audited['details'] & { dir: string } }))
        .filter((r) => r.details.dir === dir);
    /** The first audited reload that `matches`, once there is one. */
    const auditedWhen = async (matches: (r: Audited) => boolean): Promise<Audited> => {
      let found: Audited | undefined;
      await waitFor(async () => (found = (await audited()).find(matches)) !== undefined, 'the audited reload', 20_000);
      return found as Audited;
    };
    return { api, post, alerts, shown, auditedWhen };
  };

  it('puts an edit on disk in force and keeps the windows counting across it', async (t) => {
    const { api, post, alerts, shown, auditedWhen } = await start(t);
    const before = api.rules.status.digest;
    await post(2, '203.0.113.71'); // two calls: under burst-caller's 3
    save(dir, 'ip.yaml', ruleFile('burst-ip', 'ip', 3));
    const row = await auditedWhen((r) => r.result === 'success');
    assert.deepEqual([row.details.trigger, row.details.from, row.details.to], ['change', before, api.rules.status.digest]);
    assert.notEqual(before, api.rules.status.digest);
    // the chain is whole from startup: config.loaded names the rule set the first reload started from
    const loaded = await ch.rows<{ n: string }>(
      `SELECT count() AS n FROM ${ch.database}.audit_log WHERE event_type = 'config.loaded' AND JSONExtractString(details, 'ruleSetDigest') = {before:String}`,
      { before },
    );
    assert.equal(Number(loaded[0]?.n), 1);
    assert.deepEqual((await shown()).rules.map((r) => r.id).sort(), ['burst-caller', 'burst-ip']);
    await post(1, '203.0.113.71');
    // the third call is counted with the two before the reload, by the rule that was there and by the new one
    assert.deepEqual([await alerts('burst-caller'), await alerts('burst-ip')], [1, 1]);
  });

  it('refuses an invalid edit with the startup message, keeps the rules in force, audits and shows it; SIGHUP reloads', async (t) => {
    const { api, post, alerts, shown, auditedWhen } = await start(t);
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
    const refusal = await auditedWhen((r) => r.result === 'failure');
    assert.deepEqual([refusal.details.from, refusal.details.to, refusal.details.error?.message], [before, null, startup]);
    const view = await shown();
    assert.deepEqual(
      [view.reload.result, view.reload.error, view.reload.digest, view.rules.map((r) => r.id)],
      ['refused', { code: 'RULES_INVALID', message: startup }, before, ['burst-caller']],
    );
    assert.match((await api.app.inject({ url: '/metrics' })).body, /^sentinela_rules_reload_refused 1$/m);
    await post(3, '203.0.113.72');
    assert.equal(await alerts('burst-caller'), 1, 'the old rule still answers');

    // SIGHUP reads the directory again (no edit pending: its own record, refused again)
    process.kill(process.pid, 'SIGHUP');
    await auditedWhen((r) => r.result === 'failure' && r.details.trigger === 'sighup');
    save(dir, 'burst.yaml', ruleFile('burst-caller', 'caller', 5));
    const accepted = await auditedWhen((r) => r.result === 'success');
    assert.deepEqual([accepted.details.from, accepted.details.to], [before, api.rules.status.digest]);
    assert.deepEqual((await shown()).rules[0]?.thresholds, { warn: 5 });
    const metrics = (await api.app.inject({ url: '/metrics' })).body;
    assert.match(metrics, /^sentinela_rules_reload_refused 0$/m);
    assert.match(metrics, /^sentinela_rules_reloads_total\{result="accepted"\} 1$/m);
  });
});
