import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClickHouseStore } from '../../src/adapters/clickhouse/store.js';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { parseConfig } from '../../src/config/config.js';
import { storedComparer, type StoredCdrs } from '../../src/main/compare.js';
import type { Cdr } from '../../src/domain/cdr/contract.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { cdr, migrated, NOW, waitFor } from '../processor/rig.js';
import { embeddedApi, loginAs, testClock } from './rig.js';

const burst = (warn: number | string) =>
  `rules:\n  - id: burst-caller\n    description: calls per caller\n    cites: [G1]\n    key: caller\n    match: { directions: [outbound] }\n    measure: { kind: count }\n    window: 10m\n    thresholds: { warn: ${warn} }\n`;

describe('POST /v1/rules/compare: an edit overlaid on the rules in force, over stored CDRs (issue 17 item 5)', () => {
  let ch: TestClickHouse;
  let dir: string;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
    dir = mkdtempSync(join(tmpdir(), 'sentinela-compare-'));
    writeFileSync(join(dir, 'burst.yaml'), burst(3));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ch.drop();
  });

  it('lists what appears per rule and subject; refuses invalid files with the startup message, too many days or CDRs', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock, ruleFiles: loadRuleFiles(dir) });
    const op = await loginAs(api, 'noc-tuner', 'operator');
    // three calls of one caller (an alert under warn: 3), two of another (none)
    const calls = ['+551130008881', '+551130008881', '+551130008881', '+551130008882', '+551130008882'].map((caller, i) =>
      JSON.stringify(cdr(`cmp-${i}`, new Date(NOW - 600_000 + i * 30_000).toISOString(), { caller, callee: `+5511400${i}0000` })),
    );
    const ingest = await api.app.inject({
      method: 'POST',
      url: '/v1/cdrs',
      headers: { ...op, 'content-type': 'application/x-ndjson' },
      payload: calls.join('\n'),
    });
    assert.equal(ingest.statusCode, 200, ingest.body);
    const compare = (body: unknown) => api.app.inject({ method: 'POST', url: '/v1/rules/compare', headers: op, payload: body as object });

    const res = await compare({ files: { 'burst.yaml': burst(2) }, days: 1 });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      rules: [{ rule: 'burst-caller', appears: 1, disappears: 0, changes: 0 }],
      subjects: [
        {
          rule: 'burst-caller',
          tenant: 'acme',
          subjectKind: 'caller',
          subject: '+551130008882',
          change: 'appears',
          after: { warn: 1, critical: 0, blocks: 0, throttles: 0 },
        },
      ],
      subjectsTotal: 1,
      cdrs: 5,
    });
    const same = (await compare({ files: { 'burst.yaml': burst(3) }, days: 1 })).json<{ rules: unknown[]; cdrs: number }>();
    assert.deepEqual([same.rules, same.cdrs], [[], 5], 'the rules in force compared with themselves change nothing');

    const invalid = await compare({ files: { 'burst.yaml': burst('many') }, days: 1 });
    writeFileSync(join(dir, 'burst.yaml'), burst('many'));
    const startup = (() => {
      try {
        return loadRuleFiles(dir).dir;
      } catch (err) {
        return (err as Error).message;
      } finally {
        writeFileSync(join(dir, 'burst.yaml'), burst(3));
      }
    })();
    assert.deepEqual(
      [invalid.statusCode, invalid.json<{ code: string; message: string }>()],
      [400, { code: 'RULES_EDIT_INVALID', message: startup, path: 'thresholds.warn' }],
    );
    const tooLong = await compare({ files: { 'burst.yaml': burst(2) }, days: 8 });
    assert.deepEqual([tooLong.statusCode, tooLong.json<{ code: string }>().code], [422, 'COMPARE_TOO_LARGE']);
    const badName = await compare({ files: { '../etc/passwd': 'x' }, days: 1 });
    assert.deepEqual([badName.statusCode, badName.json<{ code: string }>().code], [400, 'REQUEST_INVALID']);

    // more stored CDRs than the cap: refused before any is replayed
    const config = parseConfig({ CLICKHOUSE_DATABASE: ch.database });
    const comparer = storedComparer({ config, store: new ClickHouseStore(ch.client, ch.database), clock: () => NOW, maxCdrs: 4 });
    await assert.rejects(comparer.compare({ files: { 'burst.yaml': burst(2) }, days: 1 }, loadRuleFiles(dir)), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'COMPARE_TOO_LARGE');
      assert.match(err.message, /^5 stored CDRs in 1 days; at most 4/);
      return true;
    });
  });

  it('overlays the edit on the rules in force, not on an edit the directory holds but the reload refused', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), ruleFiles: loadRuleFiles(dir) });
    const op = await loginAs(api, 'noc-tuner', 'operator');
    writeFileSync(join(dir, 'other.yaml'), 'rules: [\n'); // refused (or about to be): the rules in force stay
    t.after(() => rmSync(join(dir, 'other.yaml')));
    const res = await api.app.inject({ method: 'POST', url: '/v1/rules/compare', headers: op, payload: { files: { 'burst.yaml': burst(3) }, days: 1 } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<{ rules: unknown[] }>().rules, []);
  });

  it('replays the CDRs it counted both times, not those stored meanwhile', async (t) => {
    const late: { post?: (ndjson: string) => Promise<number> } = {};
    let added = false;
    // once the first replay has read its CDRs, three calls of a new caller are stored: enough for burst-caller
    const wrapStored = (store: StoredCdrs): StoredCdrs => ({
      storedRange: (since, tenant) => store.storedRange(since, tenant),
      storedCdrs: async function* (range) {
        yield* store.storedCdrs(range);
        if (added) return;
        added = true;
        const lines = [0, 1, 2].map((i) => JSON.stringify(cdr(`late-${i}`, new Date(NOW - 300_000 + i * 30_000).toISOString(), { caller: '+551130008883' })));
        assert.equal(await late.post?.(lines.join('\n')), 3);
      },
    });
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), ruleFiles: loadRuleFiles(dir), wrapStored });
    const op = await loginAs(api, 'noc-tuner', 'operator');
    late.post = async (payload) =>
      (await api.app.inject({ method: 'POST', url: '/v1/cdrs', headers: { ...op, 'content-type': 'application/x-ndjson' }, payload })).json<{
        accepted: number;
      }>().accepted;
    const stored = await new ClickHouseStore(ch.client, ch.database).storedRange(NOW - 86_400_000);
    const res = await api.app.inject({ method: 'POST', url: '/v1/rules/compare', headers: op, payload: { files: { 'burst.yaml': burst(3) }, days: 1 } });
    assert.deepEqual([added, res.json()], [true, { rules: [], subjects: [], subjectsTotal: 0, cdrs: stored.count }]);
  });

  it('lets the event loop answer other requests meanwhile, and stops reading when its client goes away', async (t) => {
    const LONG = 100_000;
    let pace = true;
    let synthetic = 0;
    let closed = false;
    let reading = () => {};
    const started = new Promise<void>((resolve) => (reading = resolve));
    // after the stored CDRs, a long tail of made-up ones (a big comparison) while `pace` is on
    const wrapStored = (store: StoredCdrs): StoredCdrs => ({
      storedRange: (since, tenant) => store.storedRange(since, tenant),
      storedCdrs: async function* (range) {
        let last: Cdr | undefined;
        for await (const c of store.storedCdrs(range)) yield (last = c);
        try {
          while (pace && last && synthetic < LONG) {
            if (++synthetic === 1) reading();
            yield { ...last, id: `tail-${synthetic}` };
          }
        } finally {
          closed = pace;
        }
      },
    });
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), ruleFiles: loadRuleFiles(dir), wrapStored });
    const op = await loginAs(api, 'noc-tuner', 'operator');
    const url = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const client = new AbortController();
    const request = fetch(`${url}/v1/rules/compare`, {
      method: 'POST',
      headers: { ...op, 'content-type': 'application/json' },
      body: JSON.stringify({ files: { 'burst.yaml': burst(2) }, days: 1 }),
      signal: client.signal,
    }).catch((err: unknown) => err as Error);
    await started;
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.ok(synthetic < LONG && !closed, 'answered while the comparison was replaying');
    client.abort();
    assert.equal(((await request) as Error).name, 'AbortError');
    await waitFor(() => closed, 'the reading stopped');
    assert.ok(synthetic < LONG, `stopped after ${synthetic} CDRs`);
    pace = false;
    const next = await api.app.inject({ method: 'POST', url: '/v1/rules/compare', headers: op, payload: { files: { 'burst.yaml': burst(3) }, days: 1 } });
    assert.equal(next.statusCode, 200, 'the comparison slot is free again');
  });
});
