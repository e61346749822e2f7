import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { readMigrations } from '../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../src/adapters/clickhouse/migrator.js';
import { ClickHouseStore } from '../../src/adapters/clickhouse/store.js';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { parseConfig } from '../../src/config/config.js';
import type { Engine } from '../../src/domain/engine/engine.js';
import { createLogger } from '../../src/log.js';
import { engineFactory, pipelineParts } from '../../src/main/parts.js';
import { storeSink } from '../../src/pipeline/batch.js';
import { BodyIngest, HTTP_STREAM } from '../../src/pipeline/body-ingest.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { CdrStore } from '../../src/pipeline/ports.js';
import { USAGE_SAVE_EVERY_MS } from '../../src/pipeline/usage-saver.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';

const NOW = Date.parse('2026-03-02T18:00:00-03:00');
const config = parseConfig({});
const ruleFiles = loadRuleFiles('rules');
const ASSIGNMENT = { [HTTP_STREAM.topic]: [HTTP_STREAM.partition] };
const CALLERS = Array.from({ length: 20 }, (_, i) => `+5511300100${String(i).padStart(2, '0')}`);

function line(id: string, t: number, caller: string, tenant = 'office'): string {
  return JSON.stringify({
    id,
    tenant,
    account: 'pbx',
    caller,
    callee: '+551130002000',
    srcIp: '200.160.9.9',
    startedAt: t,
    answeredAt: t,
    endedAt: t + 30_000,
    durationSec: 30,
    billSec: 30,
    disposition: 'ANSWERED',
  });
}
const body = (lines: readonly string[]) => Buffer.from(lines.join('\n'));

/**
 * An office of 20 extensions behind one NAT address on Thursday 2026-02-26, older than the state horizon of a
 * rebuild on Monday: they start the day one by one, then call 10 times a minute from 10:00 to 10:30.
 */
function officeDay(): Buffer {
  const warm = Date.parse('2026-02-26T09:00:00-03:00');
  const peak = Date.parse('2026-02-26T10:00:00-03:00');
  return body([
    ...CALLERS.map((c, i) => line(`learn-w${i}`, warm + i * 20_000, c)),
    ...Array.from({ length: 300 }, (_, i) => line(`learn-${i}`, peak + i * 6_000, CALLERS[i % 20] as string)),
  ]);
}
/** Monday 10:00: the office at its usual level, 12 calls a minute for 3 minutes (EV12's floor is 5). */
const MONDAY_PEAK = body(
  Array.from({ length: 36 }, (_, i) => line(`probe-${i}`, Date.parse('2026-03-02T10:00:00-03:00') + i * 5_000, CALLERS[(i * 7) % 20] as string)),
);

describe('learned usage profiles across restarts (embedded pipeline + chDB, G3)', () => {
  const dbs: TestClickHouse[] = [];
  const logged: Record<string, unknown>[] = [];
  const log = createLogger(
    'info',
    new Writable({ write: (chunk: Buffer, _enc, done) => done(void logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>)) }),
  );
  const database = async () => {
    const ch = await createTestDatabase();
    await migrate(ch.client, { database: ch.database, retentionDays: 0, migrations: readMigrations() });
    dbs.push(ch);
    return ch;
  };
  after(() => Promise.all(dbs.map((ch) => ch.drop())));

  /** The embedded mode's pipeline on `ch`, started (state rebuilt); `engines` receives every engine it builds. */
  async function start(ch: TestClickHouse, o: { clock?: () => number; wrap?: (s: CdrStore) => CdrStore } = {}) {
    const engines: Engine[] = [];
    const make = engineFactory(config, ruleFiles);
    const store = (o.wrap ?? ((s) => s))(new ClickHouseStore(ch.client, ch.database, log));
    const parts = pipelineParts({
      config,
      ruleFiles,
      log,
      store,
      sinks: [storeSink(store)],
      clock: o.clock ?? (() => NOW),
      backoff: { initialMs: 5, maxMs: 20 },
    });
    const pipeline = new Pipeline({ ...parts, newEngine: () => (engines[engines.length] = make()) });
    await pipeline.start(ASSIGNMENT);
    return { pipeline, ingest: new BodyIngest(pipeline), engine: () => engines.at(-1) as Engine, store };
  }

  /** Monday's verdicts and the engine's profiles after them, with or without a restart in between. */
  async function monday(o: { restart: boolean; forget?: boolean }) {
    const ch = await database();
    let run = await start(ch);
    const thursday = (await run.ingest.ingest(officeDay(), 'canonical')).verdicts;
    // its first morning is a cold start: an office address shared by 20 callers is at most warned about
    assert.deepEqual(
      thursday.filter((v) => v.kind === 'block' || v.severity === 'critical'),
      [],
      "the office's day is ordinary: no block, no critical alert",
    );
    if (o.restart) {
      const learned = run.engine().usageSnapshots();
      await run.pipeline.stop();
      assert.deepEqual(await run.store.loadUsage(), JSON.parse(JSON.stringify(learned)), 'saved on a clean stop');
      if (o.forget) await ch.client.command({ query: `TRUNCATE TABLE ${ch.database}.usage_profiles` });
      run = await start(ch);
    }
    const answer = await run.ingest.ingest(MONDAY_PEAK, 'canonical');
    const snapshots = run.engine().usageSnapshots();
    await run.pipeline.stop();
    return { verdicts: answer.verdicts, snapshots };
  }

  it("G3: a restart restores the learned profile: Monday's usual peak is tolerated exactly as in an uninterrupted run", async () => {
    const uninterrupted = await monday({ restart: false });
    const restarted = await monday({ restart: true });
    const forgotten = await monday({ restart: true, forget: true });
    assert.deepEqual(uninterrupted.verdicts, [], 'the learned peak (10 a minute) lets 12 a minute through');
    assert.deepEqual(restarted.verdicts, uninterrupted.verdicts);
    assert.deepEqual(
      uninterrupted.snapshots.map((s) => [s.tenant, s.ips.length, s.callers.length]),
      [['office', 1, 20]],
    );
    assert.deepEqual(restarted.snapshots, uninterrupted.snapshots, 'the restarted engine learned what the uninterrupted one did');
    // control: Thursday is older than the CDR replay, so without the stored profile Monday is a cold start, judged
    // by EV12's floor: the office's address raises the alarm (a site opening to an engine that knows nothing: warned)
    assert.ok(
      forgotten.verdicts.some((v) => v.rule === 'velocity-ip'),
      `EV12's floor fires on the office without its profile: ${JSON.stringify(forgotten.verdicts)}`,
    );
  });

  it('G3: saves every 5 minutes of processing time after an acknowledged batch and before a rebuild; a failed save never stops ingest', async () => {
    const ch = await database();
    let now = NOW;
    let failures = 0;
    let attempts = 0;
    const failing = (store: CdrStore): CdrStore =>
      Object.assign(Object.create(store) as CdrStore, {
        saveUsage: async (snapshots: Parameters<CdrStore['saveUsage']>[0]) => {
          attempts++;
          if (failures-- > 0) throw new Error('ClickHouse unreachable: ECONNREFUSED (injected)');
          return store.saveUsage(snapshots);
        },
      });
    const run = await start(ch, { clock: () => now, wrap: failing });
    const saved = async () => (await run.store.loadUsage()).map((s) => [s.tenant, s.through]);
    const send = async (id: string, minutesAgo: number) => {
      const t = now - minutesAgo * 60_000;
      assert.equal((await run.ingest.ingest(body([line(id, t, CALLERS[0] as string, 'saver')]), 'canonical')).accepted, 1);
      return t + 30_000;
    };
    const waitFor = async (what: string, ok: () => boolean | Promise<boolean>) => {
      for (let i = 0; !(await ok()); i++) {
        if (i > 200) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    await send('s1', 10);
    assert.equal(attempts, 0, 'not yet: the interval starts when the pipeline starts');
    now += USAGE_SAVE_EVERY_MS;
    failures = 3; // every try of this interval
    await send('s2', 9);
    await waitFor('the failure logged', () => logged.some((l) => l['msg'] === 'saving usage profiles failed: tried again at the next interval'));
    assert.equal(attempts, 3);
    assert.deepEqual(await saved(), []);
    now += 60_000;
    await send('s3', 8);
    assert.equal(attempts, 3, 'the next try waits for the next interval');
    now += USAGE_SAVE_EVERY_MS;
    const through = await send('s4', 7);
    await waitFor('the profile saved', async () => (await saved()).length === 1);
    assert.deepEqual(await saved(), [['saver', through]]);

    const later = await send('s5', 1);
    await run.pipeline.rebuild(ASSIGNMENT); // a rebalance: what the old engine learned is saved before it is replaced
    assert.deepEqual(await saved(), [['saver', later]]);
    assert.equal(run.pipeline.state.name, 'running');
    await run.pipeline.stop();
  });
});
