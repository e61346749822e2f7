import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClickHouseStore } from '../../src/adapters/clickhouse/store.js';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { parseConfig } from '../../src/config/config.js';
import { storedComparer } from '../../src/main/compare.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { cdr, migrated, NOW } from '../processor/rig.js';
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
});
