import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
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
  // short enough to keep joins and polite stops quick on the mock cluster, long enough that a member starved of CPU
  // on a busy machine still rejoins within the rebalance (2 s was not)
  const consumerOptions = { groupId, sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTimeInMs: 250, retry: { retries: 10 } };

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

  /** Each member's partitions as of its latest group join (a member that joins late may never see a message). */
  const owned = new Map<string, number[]>();
  /** What each member went through, for the failure message: this test has timed out once on a loaded machine. */
  const history: string[] = [];

  async function startMember(received: Map<string, number>, memberId: string, t: TestContext): Promise<Consumer> {
    const consumer = client.consumer(consumerOptions);
    const handlers = {
      autoCommitInterval: 100,
      eachMessage: async ({ message }: EachMessagePayload) => {
        const value = message.value?.toString() ?? '';
        received.set(value, (received.get(value) ?? 0) + 1);
      },
    };
    t.after(() => consumer.disconnect()); // also when an assertion fails: a live member would keep the test process up
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      owned.set(memberId, e.payload.memberAssignment[topic] ?? []);
      history.push(`${memberId} joined (leader: ${e.payload.isLeader}) with partitions ${JSON.stringify(owned.get(memberId))}`);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      history.push(`${memberId} crashed (restart: ${e.payload.restart}): ${e.payload.error.message}`);
      // the mock cluster has once answered a join under load with INVALID_REQUEST, which kafkajs does not retry:
      // run again, as Sentinela's CDR source does (KafkaCdrSource.rejoinLater)
      if (!e.payload.restart) setTimeout(() => void consumer.connect().then(() => consumer.run(handlers)), 1_000);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run(handlers);
    return consumer;
  }

  async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; members: ${history.join('; ') || 'no joins'}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('shares partitions in a two-member group, commits, and resumes from committed offsets after a restart', async (t) => {
    const received = new Map<string, number>();
    const memberA = await startMember(received, 'a', t);
    const memberB = await startMember(received, 'b', t);
    // produce while the group forms, as the real stream does
    await produce(0, 400);
    await waitFor(() => received.size === 400, '400 distinct messages');
    // the group settles on two members sharing the four partitions, each owned by one of them (waited for, not
    // sampled: during a rebalance one member's latest join can be a generation older than the other's)
    const settled = () => {
      const a = owned.get('a') ?? [];
      const b = owned.get('b') ?? [];
      return a.length > 0 && b.length > 0 && [...a, ...b].sort().join() === '0,1,2,3';
    };
    await waitFor(settled, 'both members to share the 4 partitions, each owned once', 60_000);
    await memberA.disconnect(); // a polite stop commits what was consumed
    await memberB.disconnect();

    await produce(400, 100);
    const afterRestart = new Map<string, number>();
    const restarted = await startMember(afterRestart, 'c', t);
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
