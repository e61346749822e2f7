import { after, before, type TestContext } from 'node:test';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { loadRuleFiles, type RuleFiles } from '../../src/adapters/files/rule-files.js';
import { readMigrations } from '../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../src/adapters/clickhouse/migrator.js';
import { parseConfig } from '../../src/config/config.js';
import type { CdrInput } from '../../src/domain/cdr/contract.js';
import { profilesFileSpec } from '../../src/domain/rules/profile-spec.js';
import { createLogger } from '../../src/log.js';
import { composeProcessor, type ComposedProcessor } from '../../src/main/processor.js';
import type { CdrStore } from '../../src/pipeline/ports.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { startKafka, type TestKafka } from '../rig/kafka.js';

/** Wall clock of every processor in these tests: the traffic below happens on this afternoon (A12: São Paulo). */
export const NOW = Date.parse('2026-03-02T18:00:00-03:00');
export const FAST_CONSUMER = { sessionTimeout: 6_000, heartbeatInterval: 300, rebalanceTimeout: 2_000, maxWaitTimeInMs: 100 };

/** The shipped rules plus a profile with a daily international quota (F2) for tenant `acme`, account `travel`. */
export function testRules(): RuleFiles {
  const shipped = loadRuleFiles('rules');
  const profiles = profilesFileSpec.parse({
    tenants: { acme: { accounts: { travel: { international: { policy: 'quota', countries: ['PT', 'US'], quota: { minutes: 60 } } } } } },
  });
  return { ...shipped, profiles };
}

export interface Topics {
  readonly cdrs: string;
  readonly blocks: string;
  readonly alerts: string;
  readonly dlq: string;
}

/** Fresh topics for one test (the mock cluster cannot create them through kafkajs admin). */
export async function createTopics(kafka: TestKafka, name: string, partitions = 4): Promise<Topics> {
  return {
    cdrs: await kafka.createTopic(`${name}.cdrs`, partitions),
    blocks: await kafka.createTopic(`${name}.blocks`, 1),
    alerts: await kafka.createTopic(`${name}.alerts`, 1),
    dlq: await kafka.createTopic(`${name}.dlq`, 1),
  };
}

/** The KAFKA_* and CLICKHOUSE_* variables of a test deployment on these topics, group and database. */
export function kafkaEnv(env: { kafka: TestKafka; ch: Pick<TestClickHouse, 'database'>; topics: Topics; group: string }): Record<string, string> {
  return {
    KAFKA_BROKERS: env.kafka.brokers.join(','),
    KAFKA_GROUP_ID: env.group,
    KAFKA_CDR_TOPICS: env.topics.cdrs,
    KAFKA_BLOCKS_TOPIC: env.topics.blocks,
    KAFKA_ALERTS_TOPIC: env.topics.alerts,
    KAFKA_DLQ_TOPIC: env.topics.dlq,
    CLICKHOUSE_DATABASE: env.ch.database,
  };
}

/** A processor configured as in production (KAFKA_* / SENTINELA_* variables), stopped when the test ends. */
export async function startProcessor(
  t: TestContext,
  env: { kafka: TestKafka; ch: TestClickHouse; topics: Topics; group: string },
  overrides: { storeWrapper?: (store: CdrStore) => CdrStore; extraEnv?: Record<string, string> } = {},
): Promise<ComposedProcessor> {
  const config = parseConfig({
    ...kafkaEnv(env),
    SENTINELA_BATCH_MAX_WAIT: '100ms',
    ...overrides.extraEnv,
  });
  if (!config.kafka) throw new Error('no kafka config');
  const processor = composeProcessor({
    config,
    kafka: config.kafka,
    ruleFiles: testRules(),
    clickhouse: env.ch.client,
    log: createLogger((process.env['TEST_LOG_LEVEL'] as 'info' | undefined) ?? 'silent'),
    clock: () => NOW,
    consumer: FAST_CONSUMER,
    backoff: { initialMs: 100, maxMs: 400 },
    ...(overrides.storeWrapper ? { wrapStore: overrides.storeWrapper } : {}),
  });
  await processor.start();
  t.after(() => processor.stop());
  return processor;
}

/**
 * The real peers of a describe block: a Kafka mock cluster (one broker) and a migrated test database, started
 * before its tests and stopped after them. Read the fields inside the tests (they are set in `before`).
 */
export function processorPeers(): { kafka: TestKafka; client: Kafka; ch: TestClickHouse } {
  const peers = {} as { kafka: TestKafka; client: Kafka; ch: TestClickHouse };
  before(async () => {
    peers.kafka = await startKafka({ brokers: 1 });
    peers.client = peers.kafka.client();
    peers.ch = await createTestDatabase();
    await migrated(peers.ch);
  });
  after(async () => {
    await peers.ch.drop();
    await peers.kafka.stop();
  });
  return peers;
}

export async function migrated(ch: TestClickHouse): Promise<void> {
  await migrate(ch.client, { database: ch.database, retentionDays: 0, migrations: readMigrations() });
}

/** Produces canonical CDRs keyed by tenant (the documented partition key). */
export async function produce(client: Kafka, topic: string, cdrs: readonly (CdrInput | { raw: string | Buffer; key?: string })[]): Promise<void> {
  const producer = client.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: cdrs.map((c) => ('raw' in c ? { key: c.key ?? 'acme', value: c.raw } : { key: c.tenant ?? 'default', value: JSON.stringify(c) })),
  });
  await producer.disconnect();
}

/** Collects every message of a topic from the beginning until the test ends. */
export async function collect(t: TestContext, client: Kafka, topic: string): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  const consumer = client.consumer({ groupId: `collect-${topic}-${Math.random()}`, ...FAST_CONSUMER });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  t.after(() => consumer.disconnect());
  return messages;
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A canonical CDR of tenant acme at `at` (ISO with offset), answered, 30 s. */
export function cdr(id: string, at: string, fields: Partial<CdrInput> = {}): CdrInput {
  const start = Date.parse(at);
  const duration = fields.durationSec ?? 30;
  const billSec = fields.billSec ?? duration;
  return {
    id,
    tenant: 'acme',
    account: 'sales',
    caller: '+551130001000',
    callee: '+551130002000',
    srcIp: '200.160.2.3',
    startedAt: start,
    answeredAt: billSec > 0 ? start + (duration - billSec) * 1000 : null,
    endedAt: start + duration * 1000,
    durationSec: duration,
    billSec,
    disposition: billSec > 0 ? 'ANSWERED' : 'NO ANSWER',
    ...fields,
  };
}
