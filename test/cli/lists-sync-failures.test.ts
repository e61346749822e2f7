import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import { ClickHouseHotlistStore } from '../../src/adapters/clickhouse/hotlist-store.js';
import { parseConfig } from '../../src/config/config.js';
import { cli, feedServer } from './lists-rig.js';

describe('sentinela lists sync: failures, reserved sources, removals of differently written addresses (chDB)', () => {
  const env: Record<string, string> = {
    CLICKHOUSE_DATABASE: `sentinela_listfail_${randomBytes(3).toString('hex')}`,
    SENTINELA_DATA_DIR: mkdtempSync(join(tmpdir(), 'sentinela-cli-listfail-')),
  };
  if (process.env['CLICKHOUSE_URL']) env['CLICKHOUSE_URL'] = process.env['CLICKHOUSE_URL'];
  const config = parseConfig(env);
  const client = createClickHouseClient(config.clickhouse);
  const store = new ClickHouseHotlistStore(client, config.clickhouse.database);
  after(() => client.close());
  const imports = async () =>
    (
      await (
        await client.query({
          query: `SELECT result, details FROM ${config.clickhouse.database}.audit_log WHERE event_type = 'hotlist.import' ORDER BY seq`,
          format: 'JSONEachRow',
        })
      ).json<{ result: string; details: string }>()
    ).map((r) => ({ result: r.result, details: JSON.parse(r.details) as Record<string, unknown> }));

  it('a later page that fails: the entries earlier pages ended are audited (result failure, counts so far, the error)', async () => {
    const pages = new Map<string, unknown>([['100', { ipaddress: ['192.0.2.40', '192.0.2.41'], ID: '3001' }]]);
    const failures = new Map<string, { status: number; body: unknown }>();
    const feed = await feedServer(pages, failures);
    try {
      assert.equal((await cli(['lists', 'sync', feed.url, '--source', 'peer-f'], env)).code, 0);
      pages.set('3001', { ipaddress: [], removed: ['192.0.2.40'], ID: '3002' });
      failures.set('3002', { status: 500, body: { error: 'upstream down' } });
      const r = await cli(['lists', 'sync', feed.url, '--source', 'peer-f'], env);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /HTTP 500/);
    } finally {
      feed.close();
    }
    const active = (await store.active(Date.now())).filter((e) => e.source === 'peer-f').map((e) => e.value);
    assert.deepEqual(active, ['192.0.2.41'], 'page 1 of the failed sync ended .40');
    const last = (await imports()).at(-1);
    assert.deepEqual(
      [last?.result, last?.details['source'], last?.details['pages'], last?.details['removed'], last?.details['firstRemovals']],
      ['failure', 'peer-f', 1, 1, ['192.0.2.40']],
    );
    assert.match(String(last?.details['error']), /^HOTLIST_FETCH_FAILED: .*HTTP 500/);
  });

  it("refuses a --source of operators' or learned entries (usage error, exit 2): a feed's removals could end them", async () => {
    for (const source of ['operator:joao.noc', 'alert:alert-1']) {
      const r = await cli(['lists', 'sync', 'http://127.0.0.1:9/api/k/banned/{id}', '--source', source], env);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /CLI_USAGE.*--source: operator:… and alert:… name operators' and learned entries/s);
    }
  });

  it('compares removals as stored: 2001:DB8::1 on the page that lists 2001:db8::1 keeps it; removed on a later page, it ends', async () => {
    const pages = new Map<string, unknown>([
      // listed and removed on one page, written differently: stays listed
      ['100', { ipaddress: ['2001:db8::1', '2001:db8::2'], removed: ['2001:DB8::1'], ID: '4001' }],
      ['4001', { ipaddress: [], removed: ['2001:0DB8:0:0::2'], ID: '4002' }],
    ]);
    const feed = await feedServer(pages);
    let r;
    try {
      r = await cli(['lists', 'sync', feed.url, '--source', 'peer-v6'], env);
    } finally {
      feed.close();
    }
    assert.equal(r.code, 0, r.err);
    const active = (await store.active(Date.now())).filter((e) => e.source === 'peer-v6').map((e) => e.value);
    assert.deepEqual(active, ['2001:db8::1'], r.err);
    assert.match(r.out, /1 ended \(removed upstream\)/);
  });
});
