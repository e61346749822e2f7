import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import { parseConfig } from '../../src/config/config.js';
import { cli, feedServer } from './lists-rig.js';

describe('sentinela lists sync and export (issue 16 item 8; G4)', () => {
  const env: Record<string, string> = {
    CLICKHOUSE_DATABASE: `sentinela_lists_${randomBytes(3).toString('hex')}`,
    SENTINELA_DATA_DIR: mkdtempSync(join(tmpdir(), 'sentinela-cli-lists-')),
  };
  if (process.env['CLICKHOUSE_URL']) env['CLICKHOUSE_URL'] = process.env['CLICKHOUSE_URL'];
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-lists-'));

  it('imports a CSV file: good rows stored, bad rows (emergency numbers included) refused with line and reason, exit 1', async () => {
    const file = join(dir, 'irsf-ranges.csv');
    writeFileSync(
      file,
      [
        'type,value,tenant,source,category,expires_at,reason',
        'number,+2917,,,irsf,30d,Eritrea mobile pumped in a wholesale attack',
        'number,190,,,,,a typo that would block the police',
        'ip,203.0.113.0/24,acme,,sip-scanner,,',
        'ip,not-an-ip,,,,,',
      ].join('\n'),
    );
    const r = await cli(['lists', 'sync', file, '--ttl', '7d'], env);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /irsf-ranges\.csv: 1 page\(s\), 2 entries stored, 2 refused \(source file:irsf-ranges\.csv\)/);
    assert.match(r.err, /line 3: refused 190: "190" covers the emergency number 190/);
    assert.match(r.err, /line 5: refused not-an-ip: "not-an-ip" is not an IPv4 or IPv6 address or CIDR block/);
    const csv = await cli(['lists', 'export', '--tenant', 'acme'], env);
    assert.equal(csv.code, 0, csv.err);
    const lines = csv.out.split('\n');
    assert.equal(lines[0], 'type,value,tenant,source,category,expires_at,reason');
    assert.deepEqual(
      lines
        .slice(1)
        .map((l) => l.split(',').slice(0, 5).join(','))
        .sort(),
      ['ip,203.0.113.0/24,acme,file:irsf-ranges.csv,sip-scanner', 'number,+2917,*,file:irsf-ranges.csv,irsf'],
    );
  });

  it('follows an APIBAN-style feed page by page, stores the cursor, and asks only for changes next time', async () => {
    const pages = new Map([
      ['100', { ipaddress: ['192.0.2.10', '192.0.2.11'], ID: '1001' }],
      ['1001', { ipaddress: ['192.0.2.12', 'bogus'], ID: '1002' }],
    ]);
    const feed = await feedServer(pages);
    try {
      const first = await cli(['lists', 'sync', feed.url, '--source', 'apiban', '--ttl', '7d'], env);
      assert.equal(first.code, 1, 'one bad address');
      assert.match(first.err, /page 1: 2 addresses, stored 2, refused 0, next ID 1001/);
      assert.match(first.err, /page 2: 2 addresses, stored 1, refused 1, next ID 1002/);
      assert.match(first.err, /no new bans after ID 1002/);
      assert.match(first.err, /line 4: refused bogus/);
      assert.match(first.out, /2 page\(s\), 3 entries stored, 1 refused \(source apiban, cursor 1002\)/);
      assert.deepEqual(feed.asked, ['100', '1001', '1002']);

      pages.set('1002', { ipaddress: ['192.0.2.13'], ID: '1003' });
      const second = await cli(['lists', 'sync', feed.url, '--source', 'apiban'], env);
      assert.equal(second.code, 0, second.err);
      assert.deepEqual(feed.asked.slice(3), ['1002', '1003'], 'the second sync starts at the stored cursor');
      assert.match(second.out, /1 page\(s\), 1 entries stored, 0 refused/);
    } finally {
      feed.close();
    }
    const exported = await cli(['lists', 'export', '--format', 'apiban'], env);
    const page = JSON.parse(exported.out) as { ipaddress: string[]; ID: string };
    assert.ok(
      ['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13', '203.0.113.0/24'].every((ip) => page.ipaddress.includes(ip)),
      exported.out,
    );
    const since = await cli(['lists', 'export', '--format', 'apiban', '--since', page.ID], env);
    assert.deepEqual(JSON.parse(since.out), { ipaddress: ['no new bans'], ID: 'none' });

    const config = parseConfig(env);
    const client = createClickHouseClient(config.clickhouse);
    const rows = await (
      await client.query({
        query: `SELECT actor, result, details FROM ${config.clickhouse.database}.audit_log WHERE event_type = 'hotlist.import' ORDER BY seq`,
        format: 'JSONEachRow',
      })
    ).json<{ actor: string; result: string; details: string }>();
    assert.deepEqual(
      rows.map((r) => {
        const d = JSON.parse(r.details) as { source: string; stored: number; refused: number };
        return [r.actor, r.result, d.source, d.stored, d.refused];
      }),
      [
        ['os:noc', 'failure', 'file:irsf-ranges.csv', 2, 2],
        ['os:noc', 'failure', 'apiban', 3, 1],
        ['os:noc', 'success', 'apiban', 1, 0],
      ],
    );
    await client.close();
  });
});
