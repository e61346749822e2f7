import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadRuleFiles } from '../../../src/adapters/files/rule-files.js';
import { profilesFileSpec } from '../../../src/domain/rules/profile-spec.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { startKafka, type TestKafka } from '../../rig/kafka.js';
import { cdr, createTopics, migrated, NOW, produce, startProcessor, waitFor } from '../../processor/rig.js';
import { kafkaApi } from '../../api/rig.js';

/**
 * Server mode (issue 16, live concurrent calls): the processor publishes a compact call end per outbound CDR to
 * KAFKA_CALLS_TOPIC through its batch sink; every API replica reads the topic (a broadcast group, from its end)
 * and closes the calls it opened.
 */
describe('call ends over Kafka (mock cluster, chDB)', () => {
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

  it("a CDR the processor takes frees its call's place on the API replica that answered it", async (t) => {
    const topics = await createTopics(kafka, 'ends');
    const calls = await kafka.createTopic('ends.calls', 1);
    const env = { kafka, ch, topics, group: 'ends' };
    const started = Date.now();
    const clock = () => NOW + (Date.now() - started);
    await startProcessor(t, env, { extraEnv: { KAFKA_CALLS_TOPIC: calls } });
    const shipped = loadRuleFiles('rules');
    const profiles = profilesFileSpec.parse({
      defaults: shipped.profiles.defaults,
      tenants: { acme: { accounts: { travel: { international: { policy: 'allow' }, concurrency: { international: 2 } } } } },
    });
    const api = await kafkaApi(t, env, clock, { KAFKA_CALLS_TOPIC: calls }, { ...shipped, profiles });
    await waitFor(() => api.service.status(clock()).ready, 'the replica loaded');
    const ask = async (n: number) =>
      (await api.app.inject({ url: `/v1/block-check?tenant=acme&account=travel&caller=113000101${n}&callee=0035121123450${n}&callId=k-${n}%40pbx` })).json<{
        action: string;
      }>().action;
    assert.deepEqual([await ask(0), await ask(1), await ask(2)], ['allow', 'allow', 'block']);
    const live = () => api.service.graded.concurrency?.live.size ?? -1;
    assert.equal(live(), 2);
    // the replica's group starts at the topic's end once it has joined: a CDR produced before that is not seen,
    // so the test sends CDRs of the same call (new ids and starts, else the engine reads them as legs of one call;
    // the same Call-ID) until one gets through
    for (let i = 0; live() === 2 && i < 15; i++) {
      await produce(kafka.client(), topics.cdrs, [
        cdr(`k-end-${i}`, new Date(NOW + i * 1_000).toISOString(), { account: 'travel', caller: '+551130001010', callee: '+351211234500', callId: 'k-0@pbx' }),
      ]);
      await waitFor(() => live() === 1, 'the call end', 3_000).catch(() => undefined);
    }
    assert.equal(live(), 1);
    assert.equal(await ask(3), 'allow');
  });
});
