import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { receiver } from '../api/rig.js';
import type { TestClickHouse } from '../rig/clickhouse.js';
import { collect, createTopics, processorPeers, produce, startProcessor, waitFor } from './rig.js';

/**
 * An Asterisk `security` channel line (format of test/fixtures/signalling/asterisk_security_derived.log): a wrong
 * password for `account` from `ip`, `s` seconds into the minute before the processor's NOW (2026-03-02 18:00 -03).
 */
const invalidPassword = (s: number, ip: string, account = '1001') =>
  `[Mar  2 17:59:${String(s).padStart(2, '0')}] SECURITY[3308] res_security_log.c: SecurityEvent="InvalidPassword",` +
  `EventTV="2026-03-02T17:59:${String(s).padStart(2, '0')}.000-0300",Severity="Error",Service="SIP",EventVersion="2",AccountID="${account}",` +
  `SessionID="0x88aab6c${s}",LocalAddress="IPV4/UDP/10.0.0.5/5060",RemoteAddress="IPV4/UDP/${ip}/5084",Challenge="41d26de5",` +
  `ReceivedChallenge="41d26de5",ReceivedHash="7a6a3a2e95a05260aee612896e1b4a39"`;

const count = async (ch: TestClickHouse, table: string, where: string) =>
  Number((await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.${table} FINAL WHERE ${where}`))[0]?.n ?? 0);

describe('security events on their own Kafka topic (issue 18: librdkafka mock cluster + chDB)', () => {
  const peers = processorPeers();

  it('Asterisk security lines become stored events and an IP block on the blocks topic; an unknown line is dead-lettered', async (t) => {
    const { kafka, client, ch } = peers;
    const topics = await createTopics(kafka, 'sec');
    const events = await kafka.createTopic('sec.events', 2);
    const blocks = await collect(t, client, topics.blocks);
    const dlq = await collect(t, client, topics.dlq);
    await startProcessor(t, { kafka, ch, topics, group: 'sec' }, { extraEnv: { KAFKA_CDR_TOPICS: `${topics.cdrs},${events}=asterisk-security;tenant=acme` } });
    const lines = [10, 20, 30, 40, 50].map((s) => invalidPassword(s, '203.0.113.91'));
    await produce(
      client,
      events,
      [...lines, 'Asterisk 20.5.0 logger: this line changed format'].map((raw) => ({ raw, key: 'acme' })),
    );
    await waitFor(() => blocks.length >= 1, 'a block message');
    const block = JSON.parse(String(blocks[0]?.value)) as { rule: string; subject: string; tenant: string; expiresAt: string; at: string };
    assert.deepEqual(
      [block.rule, block.subject, block.tenant, Date.parse(block.expiresAt) - Date.parse(block.at)],
      ['registration-failures-ip', 'ip:203.0.113.91', 'acme', 300_000],
    );
    await waitFor(async () => (await count(ch, 'signalling_events', "src_ip = '203.0.113.91'")) === 5, 'five events stored');
    await waitFor(() => dlq.length === 1, 'the unknown line dead-lettered');
    assert.equal(String(dlq[0]?.headers?.['error-code']), 'EVENT_UNRECOGNISED');
    const stored = await ch.rows<{ user: string; type: string; format: string }>(
      `SELECT user, type, format FROM ${ch.database}.signalling_events FINAL WHERE src_ip = '203.0.113.91' LIMIT 1`,
    );
    assert.deepEqual(stored, [{ user: '1001', type: 'auth-failed', format: 'asterisk-security' }]);
  });

  it('a source whose lines stop matching its patterns raises an A1 alarm (a log format change is loud)', async (t) => {
    const { kafka, client, ch } = peers;
    const topics = await createTopics(kafka, 'drift', 1);
    const events = await kafka.createTopic('drift.events', 1);
    const hook = await receiver(t);
    await startProcessor(
      t,
      { kafka, ch, topics, group: 'drift' },
      {
        extraEnv: {
          KAFKA_CDR_TOPICS: `${topics.cdrs},${events}=asterisk-security;tenant=acme`,
          SENTINELA_ALARM_WEBHOOK_URL: hook.url,
          SENTINELA_ALARM_WEBHOOK_SECRET: 'alarm-secret-for-tests',
        },
      },
    );
    // after an upgrade the PBX logs `SecurityEvent: InvalidPassword …` (no longer key="value"): nothing matches
    const drifted = Array.from({ length: 25 }, (_, i) => `[Mar  2 17:59:${String(i).padStart(2, '0')}] SECURITY: InvalidPassword from 203.0.113.92 user 1001`);
    await produce(
      client,
      events,
      drifted.map((raw) => ({ raw, key: 'acme' })),
    );
    await waitFor(() => hook.received.some((r) => r.body.includes('"kind":"security"')), 'an alarm about the source');
    const alarm = JSON.parse(hook.received.find((r) => r.body.includes('"kind":"security"'))?.body ?? '{}') as {
      severity: string;
      details: { topic: string; format: string; state: string; ratio: number };
    };
    assert.deepEqual(
      [alarm.severity, alarm.details.topic, alarm.details.format, alarm.details.state, alarm.details.ratio],
      ['critical', events, 'asterisk-security', 'failing', 0],
    );
  });
});
