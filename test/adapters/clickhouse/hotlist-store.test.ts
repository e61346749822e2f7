import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClickHouseHotlistStore } from '../../../src/adapters/clickhouse/hotlist-store.js';
import { makeEntry, type HotlistEntry, type HotlistInput } from '../../../src/domain/lists/hotlist-entry.js';
import { HotlistHolder } from '../../../src/domain/lists/hotlist.js';
import { HotlistRefresher } from '../../../src/lists/refresh.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { migrated } from '../../processor/rig.js';

const NOW = Date.parse('2026-03-02T18:00:00-03:00');
const DAY = 86_400_000;

function entry(input: Partial<HotlistInput> & Pick<HotlistInput, 'kind' | 'value'>, version: number): HotlistEntry {
  const made = makeEntry({ tenant: '', source: 'apiban', expiresAt: NOW + DAY, ...input }, { now: NOW, by: 'test', version });
  assert.ok(made.ok);
  return made.value;
}

describe('hotlist store on ClickHouse (migration 008; G4)', () => {
  let ch: TestClickHouse;
  let store: ClickHouseHotlistStore;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
    store = new ClickHouseHotlistStore(ch.client, ch.database);
  });
  after(() => ch.drop());

  it('keeps the newest state of an entry: a removal or renewal is a newer version, never-expiring entries read back as null', async () => {
    const a = entry({ kind: 'ip', value: '192.0.2.1' }, 1);
    const b = entry({ kind: 'number', value: '+2917', tenant: 'acme', source: 'alert:x', expiresAt: null }, 2);
    await store.save([a, b]);
    assert.deepEqual((await store.active(NOW)).map((e) => [e.value, e.expiresAt]).sort(), [
      ['+2917', null],
      ['192.0.2.1', NOW + DAY],
    ]);
    await store.save([{ ...a, removedAt: NOW + 1, removedBy: 'ana', version: 3 }]);
    assert.deepEqual(
      (await store.active(NOW + 2)).map((e) => e.value),
      ['+2917'],
    );
    assert.equal((await store.find(a.id))?.removedBy, 'ana');
    assert.deepEqual((await store.active(NOW + DAY)).length, 1, 'b never expires');
    const [row] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.hotlist_entries`);
    assert.ok(Number(row?.n) >= 2, 'rows are versions, not updates in place');
  });

  it('pages changes since a cursor without splitting one version across pages, scoped to tenants', async () => {
    const many = Array.from({ length: 7 }, (_, i) => entry({ kind: 'ip', value: `198.51.100.${i}`, tenant: i === 6 ? 'beta' : '' }, 10 + Math.floor(i / 2)));
    await store.save(many);
    const page1 = await store.changedSince({ kind: 'ip', since: 3, limit: 3 });
    // versions 10,10,11,11,12,12,13: the third row has version 11, so its twin comes along
    assert.deepEqual(
      page1.map((e) => e.version),
      [10, 10, 11, 11],
    );
    const page2 = await store.changedSince({ kind: 'ip', since: 11, limit: 3, tenants: ['acme', ''] });
    assert.deepEqual(
      page2.map((e) => e.value),
      ['198.51.100.4', '198.51.100.5'],
      "beta's entry is not acme's",
    );
    assert.deepEqual(await store.changedSince({ kind: 'ip', since: 13, limit: 3 }), []);
    const search = await store.search({ tenants: ['beta', ''], kind: 'ip', value: '198.51', limit: 100, offset: 0 }, NOW);
    assert.equal(search.total, 7);
  });

  it('stores the sync cursor of a feed, newest wins', async () => {
    assert.equal(await store.syncCursor('https://feed.example/banned/{id}'), undefined);
    await store.saveSyncCursor('https://feed.example/banned/{id}', '1700000100', NOW);
    await store.saveSyncCursor('https://feed.example/banned/{id}', '1700000200', NOW + 1);
    assert.equal(await store.syncCursor('https://feed.example/banned/{id}'), '1700000200');
  });

  it('a refresher reloads the index only when the stored entries changed', async () => {
    const holder = new HotlistHolder();
    const refresher = new HotlistRefresher({ store, holder, clock: () => NOW });
    assert.equal(await refresher.load(), true);
    const before = holder.index;
    assert.equal(holder.index.ip('acme', '198.51.100.3', NOW)?.value, '198.51.100.3');
    assert.equal(await refresher.load(), false, 'nothing changed: one probe, no load');
    assert.equal(holder.index, before);
    await store.save([entry({ kind: 'ip', value: '203.0.113.0/24' }, 50)]);
    assert.equal(await refresher.load(), true);
    assert.equal(holder.index.ip('acme', '203.0.113.200', NOW)?.value, '203.0.113.0/24');
  });
});
