import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { readMigrations } from '../../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../../src/adapters/clickhouse/migrator.js';
import { ClickHouseStore } from '../../../src/adapters/clickhouse/store.js';
import { loadRuleFiles } from '../../../src/adapters/files/rule-files.js';
import { parseConfig } from '../../../src/config/config.js';
import { parseCdr } from '../../../src/domain/cdr/parse.js';
import type { Engine } from '../../../src/domain/engine/engine.js';
import type { UsageSnapshot } from '../../../src/domain/usage/usage-snapshot.js';
import { createLogger } from '../../../src/log.js';
import { engineFactory } from '../../../src/main/parts.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

const NOW = Date.parse('2026-03-02T18:00:00-03:00');
const newEngine = engineFactory(parseConfig({}), loadRuleFiles('rules'));

/** Calls of `tenant` from a few callers behind one IP, one every 10 s from `at`. */
function feed(engine: Engine, tenant: string, at: string, calls: number): void {
  const start = Date.parse(at);
  for (let i = 0; i < calls; i++) {
    const t = start + i * 10_000;
    const parsed = parseCdr({
      id: `${tenant}-${at}-${i}`,
      tenant,
      account: 'pbx',
      caller: `+55113001000${i % 4}`,
      callee: '+551130002000',
      srcIp: '200.160.9.9',
      startedAt: t,
      answeredAt: t,
      endedAt: t + 30_000,
      durationSec: 30,
      billSec: 30,
      disposition: 'ANSWERED',
    });
    if (!parsed.ok) throw parsed.error;
    engine.process(parsed.cdr, NOW);
  }
}

/** What a snapshot is once it went through JSON (what the store can give back). */
const asJson = (s: readonly UsageSnapshot[]): unknown => JSON.parse(JSON.stringify(s));

describe('usage profiles in ClickHouse (chDB, or CLICKHOUSE_URL; G3)', () => {
  let ch: TestClickHouse;
  let store: ClickHouseStore;
  const logged: Record<string, unknown>[] = [];

  before(async () => {
    ch = await createTestDatabase();
    await migrate(ch.client, { database: ch.database, retentionDays: 0, migrations: readMigrations() });
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => done(void logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>)) });
    store = new ClickHouseStore(ch.client, ch.database, createLogger('info', sink));
  });
  after(() => ch.drop());

  it('G3: saves one row per tenant and loads the one that learned the newest CDRs; corrupt rows are logged and skipped', async () => {
    const engine = newEngine();
    feed(engine, 'alpha', '2026-03-02T10:00:00-03:00', 12);
    feed(engine, 'beta', '2026-03-02T10:00:00-03:00', 6);
    const first = engine.usageSnapshots();
    assert.deepEqual(
      first.map((s) => s.tenant),
      ['alpha', 'beta'],
    );
    await store.saveUsage(first);
    assert.deepEqual(await store.loadUsage(), asJson(first), 'a round trip gives the snapshots back');

    feed(engine, 'alpha', '2026-03-02T11:00:00-03:00', 12);
    const newer = engine.usageSnapshots();
    await store.saveUsage(newer.filter((s) => s.tenant === 'alpha'));
    // a former owner saving late (after a rebalance) what it learned before: its older snapshot does not win
    await store.saveUsage(first.filter((s) => s.tenant === 'alpha'));
    const insert = (tenant: string, body: string) =>
      ch.client.insert({ table: `${ch.database}.usage_profiles`, values: [{ tenant, body, event_time: NOW }], format: 'JSONEachRow' });
    await insert('broken', '{"version":1,"tenant":"bro');
    await insert('wrong-shape', JSON.stringify({ version: 1, tenant: 'wrong-shape', through: 1, ips: 'many' }));
    await insert('impostor', JSON.stringify(newer[0])); // alpha's profile under another tenant's name
    const loaded = await store.loadUsage();
    assert.deepEqual(loaded, asJson(newer), 'alpha as of 11h, beta as before; the three bad rows left out');
    assert.notDeepEqual(asJson(newer.slice(0, 1)), asJson(first.slice(0, 1)), 'the newer alpha differs from the first');

    const skipped = logged.filter((l) => l['msg'] === 'usage profile row skipped: relearned from the CDRs');
    assert.deepEqual(
      skipped.map((l) => l['tenant']),
      ['broken', 'impostor', 'wrong-shape'],
    );
    assert.match(String(skipped[0]?.['reason']), /^not JSON/);
    assert.match(String(skipped[2]?.['reason']), /^not a usage snapshot: ips/);
  });

  it('G3: an engine restored from the loaded snapshots holds what the saving engine learned', async () => {
    const engine = newEngine();
    feed(engine, 'gamma', '2026-03-02T09:00:00-03:00', 30);
    await store.saveUsage(engine.usageSnapshots());
    const restored = newEngine();
    const loaded = (await store.loadUsage()).filter((s) => s.tenant === 'gamma');
    restored.restoreUsage(loaded);
    assert.equal(restored.usageSubjects.held, engine.usageSubjects.held);
    // issue 16: the accounts' day and month money (money caps) travels with the profile
    assert.ok((loaded[0]?.money?.length ?? 0) > 0);
    feed(restored, 'gamma', '2026-03-02T09:10:00-03:00', 1); // counted: the restored tenant is saved again
    feed(engine, 'gamma', '2026-03-02T09:10:00-03:00', 1);
    assert.deepEqual(asJson(restored.usageSnapshots()), asJson(engine.usageSnapshots()));
  });

  it("G3: a snapshot saved again after another owner's, at the same event time, wins again: equal rows are not a retry here", async () => {
    // a replicated table (a cluster) drops an insert whose token it saw among its last ones: the same rule here
    await ch.client.command({ query: `ALTER TABLE ${ch.database}.usage_profiles MODIFY SETTING non_replicated_deduplication_window = 100` });
    const engine = newEngine();
    feed(engine, 'delta', '2026-03-02T08:00:00-03:00', 6);
    const [mine] = engine.usageSnapshots();
    assert.ok(mine);
    const theirs: UsageSnapshot = { ...mine, ips: [] }; // a former owner's, through the same call
    const delta = async () => asJson((await store.loadUsage()).filter((s) => s.tenant === 'delta'));
    // a deduplicated write first: chDB keeps a query's settings for the session, its token must not stick
    await store.insertDecisions([{ minute: NOW, tenant: 'delta', allow: 1, block: 0, throttle: 0, failOpen: 0, failClosed: 0, shed: 0, take: 't:0' }]);
    await store.saveUsage([mine]);
    await store.saveUsage([theirs]);
    assert.deepEqual(await delta(), asJson([theirs]));
    await store.saveUsage([mine]);
    assert.deepEqual(await delta(), asJson([mine]), 'the last saved wins, equal to an earlier save or not');
  });
});
