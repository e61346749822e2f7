import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { createKafka } from '../../../src/adapters/kafka/client.js';
import { parseConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/log.js';
import { startKafka, type TestKafka } from '../../rig/kafka.js';

/**
 * The rig really speaks Kafka: kafkajs produces to a 4-partition topic, a consumer group of two members shares
 * the partitions, commits offsets, and after both stop, a restarted member resumes from the committed offsets.
 */
describe('Kafka rig (librdkafka mock cluster, or KAFKA_BROKERS)', () => {
  let kafka: TestKafka;
  let client: Kafka;
  let topic: string;

  before(async () => {
    kafka = await startKafka({ brokers: 3, topics: { cdrs: 4 } });
    client = kafka.client();
    topic = kafka.topic('cdrs');
  });
  after(() => kafka.stop());

  const groupId = 'smoke-group';
  // short timeouts keep group joins and polite stops quick on the mock cluster
  const consumerOptions = { groupId, sessionTimeout: 6_000, heartbeatInterval: 300, rebalanceTimeout: 2_000, maxWaitTimeInMs: 250, retry: { retries: 10 } };

  /** Produces through Sentinela's own Kafka adapter, configured from KAFKA_* variables as in production. */
  async function produce(from: number, count: number): Promise<void> {
    const config = parseConfig({ KAFKA_BROKERS: kafka.brokers.join(','), KAFKA_CLIENT_ID: 'smoke-producer' });
    assert.ok(config.kafka);
    const producer = createKafka(config.kafka, createLogger('silent')).producer();
    await producer.connect();
    const messages = Array.from({ length: count }, (_, i) => ({ key: `acct-${(from + i) % 17}`, value: `cdr-${from + i}` }));
    await producer.send({ topic, messages });
    await producer.disconnect();
  }

  async function startMember(received: Map<string, number>, memberId: string, seen: Set<number>): Promise<Consumer> {
    const consumer = client.consumer(consumerOptions);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommitInterval: 100,
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        const value = message.value?.toString() ?? '';
        received.set(value, (received.get(value) ?? 0) + 1);
        if (memberId) seen.add(partition);
      },
    });
    return consumer;
  }

  async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('shares partitions in a two-member group, commits, and resumes from committed offsets after a restart', async () => {
    const received = new Map<string, number>();
    const partitionsA = new Set<number>();
    const partitionsB = new Set<number>();
    const memberA = await startMember(received, 'a', partitionsA);
    const memberB = await startMember(received, 'b', partitionsB);
    // produce while the group forms, as the real stream does
    await produce(0, 400);
    await waitFor(() => received.size === 400, '400 distinct messages');
    await waitFor(() => partitionsA.size > 0 && partitionsB.size > 0, 'both members to own partitions');
    assert.equal(partitionsA.size + partitionsB.size >= 4, true, 'all 4 partitions are consumed');
    for (const p of partitionsA) assert.equal(partitionsB.has(p), false, `partition ${p} was owned by one member at a time`);
    await memberA.disconnect(); // a polite stop commits what was consumed
    await memberB.disconnect();

    await produce(400, 100);
    const afterRestart = new Map<string, number>();
    const restarted = await startMember(afterRestart, 'c', new Set());
    await waitFor(() => afterRestart.size === 100, 'the 100 new messages');
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything re-delivered would arrive now
    await restarted.disconnect();

    const replayed = [...afterRestart.keys()].filter((value) => Number(value.slice(4)) < 400);
    assert.deepEqual(replayed, [], 'nothing before the committed offsets is consumed again');
    assert.deepEqual(
      [...afterRestart.keys()].map((v) => Number(v.slice(4))).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => 400 + i),
    );
  });
});
