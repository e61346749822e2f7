import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClickHouseAlarmLedger } from '../../../src/adapters/clickhouse/alarm-ledger.js';
import type { Alert } from '../../../src/domain/engine/verdicts.js';
import { verify } from '../../../src/push/signature.js';
import { Alarms, webhookChannel } from '../../../src/security/alarms.js';
import { alarmOncePerAlert } from '../../../src/security/critical-alarms.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { startKafka, type TestKafka } from '../../rig/kafka.js';
import { cdr, migrated, NOW, produce, startProcessor, waitFor, type Topics } from '../../processor/rig.js';
import { kafkaApi, receiver, testLog } from '../rig.js';

const SECRET = 'alarm-secret-for-tests-0123';

describe('A1 alarms of critical alerts in Kafka mode: one per alert, whatever the replicas (mock cluster, chDB)', () => {
  let kafka: TestKafka;
  let ch: TestClickHouse;
  before(async () => {
    kafka = await startKafka({ brokers: 1 });
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(async () => {
    await kafka.stop();
    await ch.drop();
  });

  it('a critical alert of the processor raises exactly one alarm with two API replicas running', async (t) => {
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
    // every process is configured with the same alarm webhook, as a deployment would be
    const alarmEnv = { SENTINELA_ALARM_WEBHOOK_URL: hook.url, SENTINELA_ALARM_WEBHOOK_SECRET: SECRET };
    const replicas = [await kafkaApi(t, env, clock, alarmEnv), await kafkaApi(t, env, clock, alarmEnv)];
    await waitFor(() => replicas.every((r) => r.service.status(clock()).ready), 'both replicas loaded');
    await startProcessor(t, env, { extraEnv: { ...alarmEnv, SENTINELA_INSTANCE_ID: 'proc-1' } });

    // premium/IRSF calls from two callers: critical alerts
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
    const keys = new Set(critical.map((c) => c.key)).size;

    const ledger = () => ch.rows<{ id: string; raised_by: string }>(`SELECT id, raised_by FROM ${ch.database}.alarms ORDER BY id`);
    await waitFor(async () => (await ledger()).length >= critical.length, 'the alarms recorded');
    const delivered = () => hook.received.filter((r) => r.body.includes('"kind":"alert"'));
    await waitFor(() => delivered().length >= keys, 'the webhook alarms');
    await new Promise((r) => setTimeout(r, 1_000)); // a second alarm from any process would be under way now
    const recorded = await ledger();
    assert.deepEqual(
      recorded.map((r) => r.id),
      critical.map((c) => c.id).sort(),
      'one ledger row per critical alert (read without FINAL: nothing was recorded twice)',
    );
    assert.ok(
      recorded.every((r) => r.raised_by === 'processor:proc-1'),
      'raised by the processor that persisted the alert',
    );
    assert.equal(delivered().length, keys, 'one webhook alarm per rule and subject, none from the API replicas');
    for (const d of delivered()) {
      const headers = { signature: String(d.headers['x-sentinela-signature']), timestamp: String(d.headers['x-sentinela-timestamp']) };
      assert.deepEqual(verify(SECRET, headers, d.body, Math.floor(clock() / 1000)), { ok: true }, 'signed');
      const body = JSON.parse(d.body) as { id: string; severity: string };
      assert.ok(
        critical.some((c) => c.id === body.id),
        'the alarm is named by its alert id',
      );
      assert.equal(body.severity, 'critical');
    }
    t.diagnostic(`critical alerts ${critical.length}, ledger rows ${recorded.length}, webhook alarms ${delivered().length} (a processor and 2 API replicas)`);
  });

  it('an alert computed again by another process (a crash before the commit, a rebalance) raises nothing', async (t) => {
    const hook = await receiver(t);
    const ledger = new ClickHouseAlarmLedger(ch.client, ch.database);
    const processes = ['processor:p1', 'processor:p2'].map((instance) => {
      const alarms = new Alarms({ channels: [webhookChannel({ url: hook.url, secret: SECRET })], log: testLog(), clock: () => NOW });
      return { alarms, raise: alarmOncePerAlert({ alarms, ledger, maskCallers: false, instance, clock: () => NOW, log: testLog() }) };
    });
    const alert: Alert = {
      kind: 'alert',
      id: 'again-0001',
      tenant: 'acme',
      rule: 'premium-destination',
      severity: 'critical',
      subject: { kind: 'caller', value: '+551130009999' },
      at: NOW,
      evidence: ['c1'],
      details: {},
    };
    for (const p of processes) await p.raise([alert]);
    await processes[0]?.raise([alert, alert]);
    await Promise.all(processes.map((p) => p.alarms.drain()));
    const rows = await ch.rows<{ raised_by: string }>(`SELECT raised_by FROM ${ch.database}.alarms WHERE id = 'again-0001'`);
    assert.deepEqual(
      rows.map((r) => r.raised_by),
      ['processor:p1'],
    );
    assert.equal(hook.received.length, 1, 'one webhook alarm');
    assert.equal(
      processes.reduce((n, p) => n + p.alarms.counts.raised, 0),
      1,
      'the other process did not even raise it',
    );
  });
});
