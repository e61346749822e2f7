import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import { parseCdr } from '../../src/domain/cdr/parse.js';
import { createEngine } from '../../src/domain/engine/build.js';
import { startKafka, type TestKafka } from '../rig/kafka.js';
import { startServer } from '../rig/server.js';
import { cdr, createTopics, kafkaEnv, produce, testRules, waitFor, type Topics } from './rig.js';

/**
 * A processor killed with SIGKILL mid-stream (no polite stop), then a new one: every CDR is stored exactly once
 * and the verdicts are exactly those of an uninterrupted run. The processors are real `sentinela start`
 * processes sharing one chDB directory (one at a time: chDB binds a directory to a process); this test process
 * opens it only after both have exited.
 */
describe('hard kill (SIGKILL) of a processor', () => {
  let kafka: TestKafka;
  let topics: Topics;
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinela-kill-'));
  const database = 'sentinela_kill';

  before(async () => {
    kafka = await startKafka({ brokers: 1 });
    topics = await createTopics(kafka, 'kill', 2);
  });
  after(async () => {
    await kafka.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startChild = () =>
    startServer(['--role', 'processor'], {
      ...kafkaEnv({ kafka, ch: { database }, topics, group: 'kill' }),
      KAFKA_SESSION_TIMEOUT: '6s',
      KAFKA_REBALANCE_TIMEOUT: '3s',
      SENTINELA_DATA_DIR: dataDir,
      SENTINELA_BATCH_MAX_ROWS: '150',
      SENTINELA_BATCH_MAX_WAIT: '200ms',
    });

  it('resumes with no loss and no duplicates, and the same verdicts as an uninterrupted run', async () => {
    const base = Date.now() - 3_600_000;
    const traffic = Array.from({ length: 2400 }, (_, i) =>
      cdr(`kill-${i}`, new Date(base + i * 1_000).toISOString(), {
        tenant: `kill-t${Math.floor(i / 600)}`,
        caller: `+5511300${String(i % 11).padStart(5, '0')}`, // each caller calls every 11 s: EV06 blocks it
        srcIp: `10.1.${i % 4}.${i % 7}`,
      }),
    );
    const first = await startChild();
    await waitFor(() => first.ready(), 'first processor ready', 60_000);
    const producing = (async () => {
      for (let i = 0; i < traffic.length; i += 100) {
        await produce(kafka.client(), topics.cdrs, traffic.slice(i, i + 100));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    await waitFor(async () => (await first.metric('sentinela_cdrs_total')) >= 700, 'the first processor is mid-stream', 60_000);
    await first.stop('SIGKILL');
    await producing;

    const second = await startChild();
    // caught up: until the killed member's session times out (6 s) and the group rebalances, the second processor
    // may own one partition only, whose lag alone reads 0; so also wait past that, and for its count to settle
    const killedAt = Date.now();
    let counted = -1;
    const caughtUp = async () => {
      if (Date.now() - killedAt < 12_000 || !(await second.ready()) || (await second.metric('sentinela_consumer_lag')) !== 0) return false;
      const n = await second.metric('sentinela_cdrs_total');
      const settled = n > 0 && n === counted;
      counted = n;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 1_000));
      return settled;
    };
    await waitFor(caughtUp, 'the second processor caught up', 120_000);
    await new Promise((resolve) => setTimeout(resolve, 600)); // one more batch period
    const redelivered = await second.metric('sentinela_cdrs_total{status="duplicate"}');
    const rebuilt = await second.metric('sentinela_state_rebuild_cdrs');
    assert.ok(rebuilt > 0, `the second processor rebuilt its state from the first one's CDRs (${rebuilt})`);
    console.log(`# hard kill: rebuilt from ${rebuilt} stored CDRs, ${redelivered} re-delivered CDRs recognised as duplicates`);
    assert.equal(await second.stop('SIGTERM'), 0, 'a polite stop exits 0');

    const client = createClickHouseClient({ mode: 'embedded', dataDir });
    const rows = async <T>(query: string) => (await client.query({ query, format: 'JSONEachRow' })).json<T>();
    const [stored] = await rows<{ n: string; ids: string }>(`SELECT count() AS n, uniqExact(id) AS ids FROM ${database}.cdrs`);
    assert.deepEqual([Number(stored?.n), Number(stored?.ids)], [2400, 2400], 'every CDR exactly once, even before merges');

    // the uninterrupted run: the same CDRs through one engine, in order
    const ruleFiles = testRules();
    const engine = createEngine(ruleFiles, { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', internationalPrefix: '00' } });
    const expected = { alert: new Set<string>(), block: new Set<string>() };
    for (const input of traffic) {
      const r = parseCdr(input);
      assert.ok(r.ok);
      for (const v of engine.process(r.cdr, Date.now()).verdicts) expected[v.kind].add(v.id);
    }
    const ids = async (table: string) => (await rows<{ id: string }>(`SELECT id FROM ${database}.${table} FINAL ORDER BY id`)).map((r) => r.id);
    assert.ok(expected.block.size > 0, 'the traffic produces blocks');
    assert.deepEqual(await ids('alerts'), [...expected.alert].sort());
    assert.deepEqual(await ids('blocks'), [...expected.block].sort());
    await client.close();
  });
});
