import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import { ClickHouseHotlistStore } from '../../src/adapters/clickhouse/hotlist-store.js';
import { parseConfig } from '../../src/config/config.js';
import { cli, feedServer } from './lists-rig.js';

type Page = { ipaddress: string[]; removed?: string[]; ID: string };

describe("sentinela lists sync applies a feed's removals (issue 16 item 8; chDB)", () => {
  const env: Record<string, string> = {
    CLICKHOUSE_DATABASE: `sentinela_listrm_${randomBytes(3).toString('hex')}`,
    SENTINELA_DATA_DIR: mkdtempSync(join(tmpdir(), 'sentinela-cli-listrm-')),
  };
  if (process.env['CLICKHOUSE_URL']) env['CLICKHOUSE_URL'] = process.env['CLICKHOUSE_URL'];

  it("ends the entries the feed imported when it lists them as removed; other sources and operators' entries stay", async () => {
    // the same address listed by an operator and by another feed: their entries are not this feed's to end
    const csv = join(mkdtempSync(join(tmpdir(), 'sentinela-listrm-')), 'noc.csv');
    writeFileSync(
      csv,
      ['type,value,tenant,source,category,expires_at,reason', 'ip,192.0.2.20,*,operator:joao.noc,,,', 'ip,192.0.2.20,*,url:other-feed,,,'].join('\n'),
    );
    assert.equal((await cli(['lists', 'sync', csv], env)).code, 0);

    const pages = new Map<string, Page>([
      ['100', { ipaddress: ['192.0.2.20', '192.0.2.21', '192.0.2.23'], ID: '1001' }],
      // upstream removed .20 and .21 (and an address never imported here, and a bad one); .23 listed and removed
      // on one page stays listed
      ['1001', { ipaddress: ['192.0.2.22', '192.0.2.23'], removed: ['192.0.2.20', '192.0.2.21', '198.51.100.99', 'bogus', '192.0.2.23'], ID: '1002' }],
    ]);
    const feed = await feedServer(pages);
    let r;
    try {
      r = await cli(['lists', 'sync', feed.url, '--source', 'peer'], env);
    } finally {
      feed.close();
    }
    assert.equal(r.code, 1, 'the bad removal is reported');
    assert.match(r.err, /page 2: 2 addresses, stored 2, refused 1, removed upstream 5 \(ended here 2\), next ID 1002/);
    assert.match(r.err, /line 9: refused bogus: removed: "bogus" is not an IPv4 or IPv6 address/);
    assert.match(r.out, /2 page\(s\), 5 entries stored, 2 ended \(removed upstream\), 1 refused \(source peer, cursor 1002\)/);

    const config = parseConfig(env);
    const client = createClickHouseClient(config.clickhouse);
    try {
      const store = new ClickHouseHotlistStore(client, config.clickhouse.database);
      const active = await store.active(Date.now());
      assert.deepEqual(
        active
          .filter((e) => e.value.startsWith('192.0.2.'))
          .map((e) => `${e.value} ${e.source}`)
          .sort(),
        ['192.0.2.20 operator:joao.noc', '192.0.2.20 url:other-feed', '192.0.2.22 peer', '192.0.2.23 peer'],
      );
      const all = await store.search({ source: 'peer', limit: 100, offset: 0 }, 0);
      assert.equal(all.total, 2, 'search shows the entries in effect: .22 and .23');
      const ended = await store.changedSince({ kind: 'ip', since: 0, limit: 1000 });
      assert.deepEqual(
        ended
          .filter((e) => e.source === 'peer' && e.removedAt !== null)
          .map((e) => [e.value, e.removedBy])
          .sort(),
        [
          ['192.0.2.20', 'os:noc'],
          ['192.0.2.21', 'os:noc'],
        ],
      );
      const audits = await (
        await client.query({
          query: `SELECT result, details FROM ${config.clickhouse.database}.audit_log WHERE event_type = 'hotlist.import' ORDER BY seq`,
          format: 'JSONEachRow',
        })
      ).json<{ result: string; details: string }>();
      const last = JSON.parse(audits[audits.length - 1]?.details ?? '{}') as Record<string, unknown>;
      assert.deepEqual(
        [last['source'], last['stored'], last['removed'], last['firstRemovals'], last['refused']],
        ['peer', 5, 2, ['192.0.2.20', '192.0.2.21'], 1],
      );
    } finally {
      await client.close();
    }
  });
});
