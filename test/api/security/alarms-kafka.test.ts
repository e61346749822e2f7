import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin } from 'kafkajs';
import { verdictJson } from '../../../src/domain/engine/verdict-json.js';
import { verify } from '../../../src/push/signature.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { startKafka, type TestKafka } from '../../rig/kafka.js';
import { cdr, collect, migrated, NOW, produce, startProcessor, waitFor, type Topics } from '../../processor/rig.js';
import { kafkaApi, receiver } from '../rig.js';

const SECRET = 'alarm-secret-for-tests-0123';

/** Every message of the topic so far is committed by the group (what it consumed is handled). */
async function consumedAll(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return ends.every((end) => {
    const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
    return Number(end.high) === 0 || at >= Number(end.high);
  });
}

describe('A1 alarms of critical alerts in Kafka mode: one per alert across API replicas (mock cluster, chDB)', () => {
  let kafka: TestKafka;
  let ch: TestClickHouse;
  let admin: Admin;
  before(async () => {
    kafka = await startKafka({ brokers: 1 });
    ch = await createTestDatabase();
    await migrated(ch);
    admin = kafka.client().admin();
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
    await kafka.stop();
    await ch.drop();
  });

  it('a critical alert of the processor raises exactly one alarm, also when it is published again', async (t) => {
    const hook = await receiver(t);
    const topics: Topics = {
      cdrs: await kafka.createTopic('a1.cdrs', 4),
      blocks: await kafka.createTopic('a1.blocks', 1),
      alerts: await kafka.createTopic('a1.alerts', 2),
      dlq: await kafka.createTopic('a1.dlq', 1),
    };
    const env = { kafka, ch, topics, group: 'a1' };
    const started = Date.now();
    const clock = () => NOW + (Date.now() - started);
    const alarmEnv = { SENTINELA_ALARM_WEBHOOK_URL: hook.url, SENTINELA_ALARM_WEBHOOK_SECRET: SECRET };
    for (let i = 0; i < 2; i++) await kafkaApi(t, env, clock, alarmEnv); // two API replicas
    await startProcessor(t, env);

    // a new alarm group reads only alerts published after it joined: warn alerts (no alarm) until it consumes
    const group = 'a1-alarms';
    let warm = 0;
    await waitFor(
      async () => {
        for (const partition of [0, 1]) {
          const warn = { kind: 'alert' as const, id: `warm-${warm++}`, tenant: 'acme', rule: 'warm-up', severity: 'warn' as const };
          const value = verdictJson({ ...warn, subject: { kind: 'caller', value: '+551130000000' }, at: NOW, evidence: [], details: {} });
          const producer = kafka.client().producer();
          await producer.connect();
          await producer.send({ topic: topics.alerts, messages: [{ partition, key: 'warm', value }] });
          await producer.disconnect();
        }
        const deadline = Date.now() + 3_000;
        while (Date.now() < deadline) {
          if (await consumedAll(admin, group, topics.alerts)) return true;
          await new Promise((r) => setTimeout(r, 200));
        }
        return false;
      },
      'the alarm group consuming',
      60_000,
    );

    // premium/IRSF calls from two callers: critical alerts on the processor, keyed (partitioned) by subject
    const premium = (caller: string, i: number) =>
      cdr(`a1-${caller.slice(-4)}-${i}`, new Date(NOW - 120_000 + i * 1000).toISOString(), { caller, callee: '+882345678901' });
    await produce(
      kafka.client(),
      topics.cdrs,
      [0, 1, 2].flatMap((i) => [premium('+551130004141', i), premium('+551130004242', i)]),
    );
    await waitFor(async () => (await ch.rows(`SELECT id FROM ${ch.database}.cdrs FINAL`)).length === 6, 'the 6 CDRs stored');
    const critical = await ch.rows<{ id: string; key: string }>(
      `SELECT id, concat('alert:', tenant, ':', rule, ':', subject_kind, ':', subject_value) AS key FROM ${ch.database}.alerts FINAL WHERE severity = 'critical'`,
    );
    assert.ok(critical.length >= 2, `premium calls raise critical alerts: ${JSON.stringify(critical)}`);
    await waitFor(() => consumedAll(admin, group, topics.alerts), 'every alert handled by the alarm group');

    const ledger = async () => ch.rows<{ id: string; raised_by: string }>(`SELECT id, raised_by FROM ${ch.database}.alarms ORDER BY id`);
    const recorded = await ledger();
    assert.deepEqual(
      recorded.map((r) => r.id),
      critical.map((c) => c.id).sort(),
      'one ledger row per critical alert (counted without FINAL: nothing was raised twice)',
    );
    assert.ok(
      recorded.every((r) => r.raised_by.startsWith('api:a1-')),
      'raised by one of the replicas',
    );
    const delivered = () => hook.received.filter((r) => r.body.includes('"kind":"alert"'));
    await waitFor(() => delivered().length === new Set(critical.map((c) => c.key)).size, 'one webhook alarm per rule and subject');
    for (const d of delivered()) {
      const headers = { signature: String(d.headers['x-sentinela-signature']), timestamp: String(d.headers['x-sentinela-timestamp']) };
      assert.deepEqual(verify(SECRET, headers, d.body, Math.floor(clock() / 1000)), { ok: true }, 'signed');
      const body = JSON.parse(d.body) as { id: string; key: string; severity: string };
      assert.ok(
        critical.some((c) => c.id === body.id),
        'the alarm is named by its alert id',
      );
      assert.equal(body.severity, 'critical');
    }
    t.diagnostic(
      `critical alerts ${critical.length}, ledger rows ${recorded.length}, webhook alarms ${delivered().length}, raised by ${[...new Set(recorded.map((r) => r.raised_by))].join(', ')}`,
    );

    // a processor that crashed after publishing re-publishes the same alerts (same ids): no alarm again
    const published = await collect(t, kafka.client(), topics.alerts);
    await waitFor(() => published.filter((m) => m.value?.toString().includes('"critical"')).length >= critical.length, 'the published alerts read back');
    const again = published.filter((m) => m.value?.toString().includes('"critical"'));
    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({ topic: topics.alerts, messages: again.map((m) => ({ key: m.key, value: m.value })) });
    await producer.disconnect();
    await waitFor(() => consumedAll(admin, group, topics.alerts), 'the re-published alerts handled');
    await new Promise((r) => setTimeout(r, 300)); // a delivery would be under way now
    assert.deepEqual(await ledger(), recorded, 'no second ledger row');
    assert.equal(delivered().length, new Set(critical.map((c) => c.key)).size, 'no second webhook alarm');
  });
});
