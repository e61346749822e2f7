import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/config.js';
import { startRole } from '../../src/main/roles.js';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { ruleFileSpec } from '../../src/domain/rules/spec.js';
import { createTestDatabase, testClickHouseTarget, type TestClickHouse } from '../rig/clickhouse.js';
import { startKafka, type TestKafka } from '../rig/kafka.js';
import { cdr, collect, createTopics, kafkaEnv, migrated, NOW, produce, startProcessor, testRules, waitFor } from './rig.js';

/** A rule the shipped set lacks: three answered calls of one account to one callee within an hour. */
const redial =
  ruleFileSpec.parse({
    rules: [
      {
        id: 'redial-account',
        description: 'one account calling one number again and again',
        cites: ['G1'],
        key: 'account',
        match: { directions: ['outbound'] },
        measure: { kind: 'count' },
        window: '1h',
        thresholds: { warn: 3 },
      },
    ],
  }).rules ?? [];

describe('stream processor: hot reload (README "Hot reload")', () => {
  let kafka: TestKafka;
  let client: Kafka;
  let ch: TestClickHouse;
  before(async () => {
    kafka = await startKafka({ brokers: 1 });
    client = kafka.client();
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(async () => {
    await ch.drop();
    await kafka.stop();
  });

  it('takes new rules through its state rebuild: calls counted before the reload count toward the new rule', async (t) => {
    const topics = await createTopics(kafka, 'reload', 2);
    const alerts = await collect(t, client, topics.alerts);
    const processor = await startProcessor(t, { kafka, ch, topics, group: 'reload' });
    const call = (n: number) => cdr(`reload-${n}`, new Date(Date.parse('2026-03-02T15:00:00-03:00') + n * 600_000).toISOString(), { account: 'redialler' });
    await produce(client, topics.cdrs, [call(0), call(1)]);
    await waitFor(
      async () => Number((await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.cdrs WHERE id LIKE 'reload-%'`))[0]?.n) === 2,
      'two CDRs stored',
    );
    const shipped = testRules();
    await processor.reload({ ...shipped, rules: [...shipped.rules, ...redial] });
    assert.equal(processor.health().ready, true, 'rebuilt and running again');
    await produce(client, topics.cdrs, [call(2)]);
    await waitFor(() => alerts.some((m) => String(m.value).includes('"rule":"redial-account"')), 'the new rule alerting on its third call');
    const alert = JSON.parse(String(alerts.find((m) => String(m.value).includes('redial-account'))?.value)) as { subject: string; details: { calls: number } };
    assert.deepEqual([alert.subject, alert.details.calls], ['account:redialler', 3]);
  });

  it('keeps what its decoders hold across the rebuild: a Kamailio INVITE before the reload pairs with its BYE after it', async (t) => {
    const topics = await createTopics(kafka, 'reload-acc', 1);
    const processor = await startProcessor(
      t,
      { kafka, ch, topics, group: 'reload-acc' },
      { extraEnv: { KAFKA_CDR_TOPICS: `${topics.cdrs}=kamailio-acc;tenant=acme` } },
    );
    // db_flatstore: method|from_tag|to_tag|callid|code|reason|time|reqtype|account|destination|supplier|dialog_id
    const at = Math.floor((NOW - 600_000) / 1000);
    const acc = (method: string, time: number) => `${method}|f1|t1|reload-acc-call|200|OK|${time}|*prepaid|+551130004444|+551130005555||1:2`;
    const consumed = async () => (await processor.metrics.messages.get()).values.find((v) => v.labels['topic'] === topics.cdrs)?.value ?? 0;
    await produce(client, topics.cdrs, [{ raw: acc('INVITE', at) }]);
    await waitFor(async () => (await consumed()) === 1, 'the INVITE consumed (held for its BYE)');
    await processor.reload(testRules());
    await produce(client, topics.cdrs, [{ raw: acc('BYE', at + 42) }]);
    const stored = async () => ch.rows<{ duration: number }>(`SELECT duration_sec AS duration FROM ${ch.database}.cdrs WHERE call_id = 'reload-acc-call'`);
    const refused = async () =>
      ch.rows<{ code: string }>(`SELECT error_code AS code FROM ${ch.database}.rejected_cdrs WHERE source_name = {topic:String}`, { topic: topics.cdrs });
    await waitFor(async () => (await stored()).length + (await refused()).length > 0, 'the BYE decoded');
    assert.deepEqual([await stored(), await refused()], [[{ duration: 42 }], []]);
  });
});

describe('sentinela start --role processor: follows the rules directory (README "Hot reload")', () => {
  it('a refused edit is audited on the processor chain and counted; the next valid one is taken', async (t) => {
    const kafka = await startKafka({ brokers: 1 });
    const ch = await createTestDatabase();
    await migrated(ch);
    const topics = await createTopics(kafka, 'reload-role', 1);
    const dir = mkdtempSync(join(tmpdir(), 'sentinela-processor-rules-'));
    const text = stringify({ rules: redial });
    writeFileSync(join(dir, 'redial.yaml'), text);
    const target = testClickHouseTarget();
    const env = {
      ...kafkaEnv({ kafka, ch, topics, group: 'reload-role' }),
      SENTINELA_RULES_DIR: dir,
      SENTINELA_PORT: '0',
      SENTINELA_INSTANCE_ID: 'proc-1',
      LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
      MIGRATE_ON_START: 'false',
      ...(target.mode === 'embedded' ? { SENTINELA_DATA_DIR: target.dataDir } : { CLICKHOUSE_URL: target.url }),
    };
    const { stop } = await startRole('processor', parseConfig(env));
    // one hook, in order: the processor leaves the group before its broker goes away
    t.after(async () => {
      await stop();
      await ch.drop();
      await kafka.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    type Row = { type: string; result: string; details: { from?: string; to?: string | null; ruleSetDigest?: string; error?: { code: string } } };
    const chain = async (): Promise<Row[]> =>
      (
        await ch.rows<{ type: string; result: string; details: string }>(
          `SELECT event_type AS type, toString(result) AS result, details FROM ${ch.database}.audit_log WHERE chain = 'processor:proc-1' ORDER BY seq`,
        )
      ).map((r) => ({ ...r, details: JSON.parse(r.details) as Row['details'] }));
    // saved as editors do (renamed into place): the watcher's reloads read whole files; the test waits for the records
    const save = (content: string) => {
      writeFileSync(join(dir, '.redial.yaml.swp'), content);
      renameSync(join(dir, '.redial.yaml.swp'), join(dir, 'redial.yaml'));
    };
    save(text.replace('window: 1h', 'window: forever'));
    await waitFor(async () => (await chain()).some((r) => r.result === 'failure'), 'the refusal audited');
    save(text.replace('warn: 3', 'warn: 4'));
    await waitFor(async () => (await chain()).some((r) => r.type === 'rules.reload' && r.result === 'success'), 'the reload audited');
    const [loaded, ...reloads] = await chain();
    const accepted = reloads.at(-1);
    assert.equal(loaded?.type, 'config.loaded');
    // every record starts from the rule set in force at startup, as config.loaded names it, until the accepted one
    assert.deepEqual(
      reloads.map((r) => [r.type, r.result, r.details.error?.code, r.details.from]),
      [
        ...reloads.slice(0, -1).map(() => ['rules.reload', 'failure', 'RULES_INVALID', loaded?.details.ruleSetDigest]),
        ['rules.reload', 'success', undefined, loaded?.details.ruleSetDigest],
      ],
    );
    assert.notEqual(accepted?.details.to, loaded?.details.ruleSetDigest);
  });
});
