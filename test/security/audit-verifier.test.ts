import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClickHouseSecurityStore } from '../../src/adapters/clickhouse/security-store.js';
import { sealAnchor, sealRecord, type AuditRecord } from '../../src/domain/security/audit-chain.js';
import { createLogger } from '../../src/log.js';
import { AuditTrail, type Integrity } from '../../src/security/audit-trail.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { migrated } from '../processor/rig.js';

const KEY = Buffer.from('test-audit-key-0123456789abcdef-0123456789');
const T0 = Date.parse('2026-11-21T09:00:00-03:00');
const DAY = 86_400_000;
const log = createLogger('silent');

function settableClock(start: number) {
  let now = start;
  return Object.assign(() => now, { advance: (ms: number) => void (now += ms) });
}

describe('incremental audit verification: checkpoints in ClickHouse, a periodic full pass (A5)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  const trailOn = (db: TestClickHouse, clock: () => number, chain = 'api:v1') =>
    new AuditTrail({ store: new ClickHouseSecurityStore(db.client, db.database), key: KEY, chain, clock, log, quota: 1_000_000, fullVerifyEveryMs: DAY });
  const write = async (trail: AuditTrail, n: number, tag: string) => {
    for (let i = 0; i < n; i++) await trail.record({ type: 'cli.command', actor: 'os:test', ip: 'local', result: 'success', details: { tag, i } });
  };
  const tamper = (seq: number) =>
    ch.client.command({
      query: `ALTER TABLE ${ch.database}.audit_log UPDATE actor = 'mallory' WHERE chain = 'api:v1' AND seq = {s:UInt64} SETTINGS mutations_sync = 1`,
      query_params: { s: seq },
    });
  const own = (i: Integrity) => i.chains.find((c) => c.chain === 'api:v1');

  it('verifies only new records each pass, catches a changed new record at once and a changed old one at the next full pass', async () => {
    const clock = settableClock(T0);
    const trail = trailOn(ch, clock);
    await write(trail, 30, 'first');
    const first = own(await trail.verify('incremental'));
    assert.deepEqual([first?.ok, first?.checked, first?.resumedAfter], [true, 30, undefined], 'no checkpoint yet: from the anchor');

    await write(trail, 10, 'second');
    clock.advance(60_000);
    const second = own(await trail.verify('incremental'));
    assert.deepEqual([second?.ok, second?.checked, second?.lastSeq, second?.resumedAfter], [true, 10, 40, 30], 'only the 10 new records');

    // an already verified record is changed: incremental passes do not read it again …
    await tamper(12);
    await write(trail, 5, 'third');
    clock.advance(60_000);
    const blind = await trail.verify('incremental');
    assert.deepEqual([own(blind)?.ok, own(blind)?.checked, blind.mode], [true, 5, 'incremental']);
    // … the next full pass, due a day after the last one, does
    clock.advance(DAY);
    const due = await trail.verify('incremental');
    assert.deepEqual([own(due)?.ok, own(due)?.problem?.kind, own(due)?.problem?.seq, own(due)?.resumedAfter], [false, 'modified', 12, undefined]);
    assert.equal(due.mode, 'full');
    assert.equal(due.fullPassAt, clock());
    // and every incremental pass after it still reports the break (its checkpoint stops before record 12)
    clock.advance(60_000);
    const still = own(await trail.verify('incremental'));
    assert.deepEqual([still?.ok, still?.problem?.seq, still?.resumedAfter], [false, 12, 11]);
  });

  it("keeps a break one replica's full pass found while another's incremental pass, begun before it, was running", async () => {
    const clock = settableClock(T0);
    const chain = 'api:race';
    const writer = trailOn(ch, clock, chain);
    await write(writer, 20, 'race');
    await writer.verify('incremental');
    await ch.client.command({
      query: `ALTER TABLE ${ch.database}.audit_log UPDATE actor = 'mallory' WHERE chain = {c:String} AND seq = 5 SETTINGS mutations_sync = 1`,
      query_params: { c: chain },
    });
    await write(writer, 3, 'race');
    clock.advance(60_000);
    // replica B's incremental pass reads its checkpoint, then replica A's full pass finds the break before B saves
    const storeB = new ClickHouseSecurityStore(ch.client, ch.database);
    const page = storeB.auditPage.bind(storeB);
    let raced = false;
    storeB.auditPage = async (...args) => {
      if (!raced) {
        raced = true;
        const full = await trailOn(ch, clock, 'api:replica-a').verify('full');
        assert.equal(full.chains.find((c) => c.chain === chain)?.problem?.seq, 5);
      }
      return page(...args);
    };
    const replicaB = new AuditTrail({ store: storeB, key: KEY, chain: 'api:replica-b', clock, log, quota: 1_000_000, fullVerifyEveryMs: DAY });
    const b = (await replicaB.verify('incremental')).chains.find((c) => c.chain === chain);
    assert.deepEqual([raced, b?.ok, b?.problem?.seq], [true, false, 5], 'B reports the break it did not read');
    clock.advance(60_000);
    const later = (await trailOn(ch, clock, 'api:replica-c').verify('incremental')).chains.find((c) => c.chain === chain);
    assert.deepEqual([later?.ok, later?.problem?.seq], [false, 5], 'and every later incremental pass still does');
  });

  it('catches a changed new record at the next incremental pass; a read shows the last verified state meanwhile', async () => {
    const db = await createTestDatabase();
    await migrated(db);
    try {
      const clock = settableClock(T0);
      const trail = trailOn(db, clock);
      await write(trail, 20, 'base');
      const verified = await trail.verify('incremental');
      assert.equal(verified.ok, true);
      await write(trail, 5, 'new');
      await db.client.command({
        query: `ALTER TABLE ${db.database}.audit_log UPDATE details = '{"tag":"forged"}' WHERE chain = 'api:v1' AND seq = 23 SETTINGS mutations_sync = 1`,
      });
      clock.advance(30_000);
      const read = await trail.search({ sort: 'seq', order: 'asc', limit: 100, offset: 0 }, { actor: 'auditor', ip: '127.0.0.1' });
      assert.deepEqual([read.integrity.ok, read.integrity.verifiedAt], [true, T0], 'the read did not run a pass: last state and its time');
      assert.equal(read.items.find((r) => r.seq === 23)?.intact, false, 'each record read is checked on its own');
      clock.advance(30_000);
      const next = own(await trail.verify('incremental'));
      assert.deepEqual([next?.ok, next?.problem?.kind, next?.problem?.seq, next?.resumedAfter], [false, 'modified', 23, 20]);
    } finally {
      await db.drop();
    }
  });

  it('keeps checkpoints across restarts and replicas, ignores a forged one, and resumes after a quota cut from the anchor', async () => {
    const db = await createTestDatabase();
    await migrated(db);
    try {
      const clock = settableClock(T0);
      const before = trailOn(db, clock);
      await write(before, 25, 'before restart');
      await before.verify('incremental');
      // a restarted process (or another replica): reads answer the stored state before any pass of its own
      const after = trailOn(db, clock, 'api:v2');
      const stored = await after.search({ sort: 'seq', order: 'asc', limit: 1, offset: 0 }, { actor: 'auditor', ip: '127.0.0.1' });
      assert.deepEqual([stored.integrity.mode, stored.integrity.ok, stored.integrity.verifiedAt, own(stored.integrity)?.lastSeq], ['stored', true, T0, 25]);
      await write(before, 5, 'more');
      clock.advance(60_000);
      const resumed = own(await after.verify('incremental'));
      assert.deepEqual([resumed?.ok, resumed?.checked, resumed?.resumedAfter], [true, 5, 25]);

      // a checkpoint moved forward by hand (to skip records) fails its seal: the chain is verified from its anchor
      await db.client.command({
        query: `INSERT INTO ${db.database}.audit_checkpoints SELECT chain, 29, hash, first_seq, verified_at, full_at, problem, mac, version + 1 FROM ${db.database}.audit_checkpoints FINAL WHERE chain = 'api:v1'`,
      });
      clock.advance(60_000);
      const distrusted = own(await after.verify('incremental'));
      assert.deepEqual([distrusted?.ok, distrusted?.checked, distrusted?.resumedAfter], [true, 30, undefined]);

      // a quota cut past the checkpoint: the chain resumes at the cut's keyed anchor
      await write(before, 10, 'after');
      const [cut] = await db.rows<{ hash: string }>(`SELECT hash FROM ${db.database}.audit_log WHERE chain = 'api:v1' AND seq = 32`);
      await db.client.command({ query: `ALTER TABLE ${db.database}.audit_log DELETE WHERE chain = 'api:v1' AND seq <= 32 SETTINGS mutations_sync = 1` });
      await new ClickHouseSecurityStore(db.client, db.database).saveAnchor(
        sealAnchor(KEY, { chain: 'api:v1', firstSeq: 33, prevHash: cut?.hash ?? '', at: clock(), reason: 'quota' }),
      );
      clock.advance(60_000);
      const acrossCut = own(await after.verify('incremental'));
      assert.deepEqual([acrossCut?.ok, acrossCut?.firstSeq, acrossCut?.lastSeq], [true, 33, 40]);
    } finally {
      await db.drop();
    }
  });

  it('prints the time of a full and an incremental pass over 100,000 records (a figure, never asserted)', async (t) => {
    const db = await createTestDatabase();
    await migrated(db);
    try {
      const store = new ClickHouseSecurityStore(db.client, db.database);
      const chain = 'api:bench';
      await store.saveAnchor(sealAnchor(KEY, { chain, firstSeq: 1, prevHash: '', at: T0, reason: 'genesis' }));
      let prev = '';
      const seal = (from: number, n: number) => {
        const out: AuditRecord[] = [];
        for (let seq = from; seq < from + n; seq++) {
          const r = sealRecord(KEY, chain, seq, prev, {
            at: T0 + seq,
            actor: `user-${seq % 50}`,
            eventType: 'block.manual',
            result: 'success',
            sourceIp: '10.0.0.1',
            details: JSON.stringify({ tenant: 'acme', value: `198.51.100.${seq % 250}`, reason: 'bench' }),
          });
          prev = r.hash;
          out.push(r);
        }
        return out;
      };
      for (let from = 1; from <= 100_000; from += 20_000) await store.appendAudit(seal(from, 20_000));
      const clock = settableClock(T0 + DAY);
      const trail = trailOn(db, clock, 'api:reader');
      let started = performance.now();
      const full = await trail.verify('full');
      const fullMs = performance.now() - started;
      await store.appendAudit(seal(100_001, 100));
      clock.advance(60_000);
      started = performance.now();
      const incremental = await trail.verify('incremental');
      const incrementalMs = performance.now() - started;
      const bench = (i: typeof full) => i.chains.find((c) => c.chain === chain);
      assert.deepEqual([full.ok, bench(full)?.checked], [true, 100_000]);
      assert.deepEqual([incremental.ok, bench(incremental)?.checked, bench(incremental)?.resumedAfter], [true, 100, 100_000]);
      t.diagnostic(
        `audit verification over 100,000 records: full pass ${Math.round(fullMs)} ms, incremental pass (100 new records) ${Math.round(incrementalMs)} ms`,
      );
    } finally {
      await db.drop();
    }
  });
});
