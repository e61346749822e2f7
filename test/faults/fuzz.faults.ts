import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { embeddedApi, pbxKey } from '../api/rig.js';
import { collect, migrated, NOW, startProcessor, waitFor, type Topics } from '../processor/rig.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { startKafka, type TestKafka } from '../rig/kafka.js';
import { asLine, fuzzEventRecords, fuzzRecords } from './fuzz-inputs.js';

/**
 * 120,000 fuzzed records (fast-check, fixed seeds): 70,000 as lines of POST /v1/cdrs bodies (the embedded API and
 * pipeline, fastify inject), 20,000 as lines of POST /v1/events bodies (security-log formats), 30,000 as Kafka
 * messages on topics of five formats (the real processor on the mock cluster). No crash (no 5xx, no process death,
 * the processor keeps consuming), and every record is accounted for: accepted (stored, or recognised as a
 * duplicate), skipped as an irrelevant log line, or refused with its reason in rejected_cdrs / the DLQ.
 */
/** The HTTP lanes are the faster ones on this 2-core machine. */
const HTTP_COUNT = Number(process.env['FUZZ_HTTP'] ?? 70_000);
const KAFKA_COUNT = Number(process.env['FUZZ_KAFKA'] ?? 30_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 15_002);
const EVENT_COUNT = Number(process.env['FUZZ_EVENTS'] ?? 20_000);

describe('fuzzed input', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  /** Posts the records in 500-line bodies, each body in the next format; every line must be accounted for in the answer and in rejected_cdrs. */
  async function fuzzHttp(t: TestContext, route: string, formats: readonly string[], records: readonly Buffer[], seed: number) {
    const api = await embeddedApi(t, ch, { clock: () => NOW, env: { SENTINELA_PBX_AUTH: 'api-key' } });
    const key = await pbxKey(api, '*');
    const tally = { accepted: 0, duplicates: 0, skipped: 0, rejected: 0, crashes: 0 };
    const refusedKeys = new Set<string>();
    const codes = new Map<string, number>();
    const BODY = 500;
    for (let i = 0; i < records.length; i += BODY) {
      const lines = records.slice(i, i + BODY);
      const format = formats[(i / BODY) % formats.length] ?? 'canonical';
      const res = await api.app.inject({
        method: 'POST',
        url: `${route}?format=${format}`,
        headers: { ...key, 'content-type': 'application/x-ndjson' },
        payload: Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])),
      });
      if (res.statusCode >= 500) {
        tally.crashes++;
        continue;
      }
      assert.ok([200, 422].includes(res.statusCode), `${res.statusCode} ${res.body.slice(0, 300)}`);
      const answer = res.json<{
        received: number;
        accepted: number;
        duplicates: number;
        skipped: number;
        rejected: { line: number; code: string; message: string }[];
      }>();
      assert.equal(answer.received, lines.length, 'every line of the body was read');
      tally.accepted += answer.accepted;
      tally.duplicates += answer.duplicates;
      tally.skipped += answer.skipped;
      tally.rejected += answer.rejected.length;
      for (const r of answer.rejected) {
        assert.ok(r.code.length > 0 && r.message.length > 0, 'a refusal carries its code and reason');
        codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
        // rejected_cdrs keys a refusal by its line and payload: the same payload on the same line of another body is one row
        refusedKeys.add(`${r.line}\u0000${lines[r.line - 1]?.toString('base64')}`);
      }
    }
    const [row] = await ch.rows<{ n: string; coded: string }>(
      `SELECT count() AS n, countIf(error_code != '' AND error_message != '') AS coded FROM ${ch.database}.rejected_cdrs FINAL
       WHERE source_kind = 'http' AND format IN ({formats:Array(String)})`,
      { formats },
    );
    console.log(
      `[faults] fuzz POST ${route} (seed ${seed}): fuzzed ${records.length} = accepted ${tally.accepted} (duplicates ${tally.duplicates}) + skipped ${tally.skipped} + rejected with reason ${tally.rejected}; crashes ${tally.crashes}; rejected_cdrs rows ${row?.n} (distinct line+payload ${refusedKeys.size}); codes ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`,
    );
    assert.equal(tally.crashes, 0);
    assert.equal(tally.accepted + tally.duplicates + tally.skipped + tally.rejected, records.length, 'fuzzed = accepted + skipped + rejected-with-reason');
    assert.equal(Number(row?.n), refusedKeys.size, 'every refusal is in rejected_cdrs');
    assert.equal(Number(row?.coded), Number(row?.n), 'with its code and message');
    return tally;
  }

  it(`POST /v1/cdrs: ${HTTP_COUNT} fuzzed lines, each accepted or refused with a code`, async (t) => {
    const tally = await fuzzHttp(
      t,
      '/v1/cdrs',
      ['canonical', 'asterisk-csv', 'freeswitch-json', 'asterisk-json'],
      fuzzRecords(HTTP_COUNT, SEED).map(asLine),
      SEED,
    );
    const [cdrs] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.cdrs FINAL`);
    // fuzzed ids repeat: a repeat the engine does not count as a duplicate (not a counted call) collapses by key
    assert.ok(Number(cdrs?.n) > 0 && Number(cdrs?.n) <= tally.accepted, 'accepted records are stored, one row per key');
  });

  it(`POST /v1/events: ${EVENT_COUNT} fuzzed security-log lines and events, each accepted, skipped or refused with a code`, async (t) => {
    const formats = ['event', 'asterisk-security', 'freeswitch-security', 'kamailio-security'];
    const tally = await fuzzHttp(t, '/v1/events', formats, fuzzEventRecords(EVENT_COUNT, SEED + 2).map(asLine), SEED + 2);
    const [events] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.signalling_events FINAL`);
    assert.ok(Number(events?.n) > 0 && Number(events?.n) <= tally.accepted, 'accepted events are stored, one row per id');
  });

  describe('Kafka decoders', () => {
    let kafka: TestKafka;
    before(async () => {
      kafka = await startKafka({ brokers: 1 });
    });
    after(() => kafka.stop());

    it(`the processor: ${KAFKA_COUNT} fuzzed messages on five formats, each stored or dead-lettered with a code`, async (t) => {
      const formats = ['canonical', 'asterisk-csv', 'asterisk-custom', 'asterisk-json', 'freeswitch-json'];
      const names = formats.map((f) => `fuzz-${f}`);
      const cdrTopics = await Promise.all(names.map((n) => kafka.createTopic(n, 4)));
      const topics: Topics = {
        cdrs: cdrTopics.map((topic, i) => `${topic}=${formats[i]};tenant=acme`).join(','),
        blocks: await kafka.createTopic('fuzz.blocks', 1),
        alerts: await kafka.createTopic('fuzz.alerts', 1),
        dlq: await kafka.createTopic('fuzz.dlq', 8),
      };
      const dlq: KafkaMessage[] = await collect(t, kafka.client(), topics.dlq);
      const processor = await startProcessor(t, { kafka, ch, topics, group: 'fuzz' }, { extraEnv: { SENTINELA_BATCH_MAX_ROWS: '2000' } });
      // one record per message, as exporters send them (a CSV message with line breaks would be several records)
      const records = fuzzRecords(KAFKA_COUNT, SEED + 1).map(asLine);
      const producer = kafka.client().producer();
      await producer.connect();
      for (let i = 0; i < records.length; i += 1_000) {
        const topic = cdrTopics[(i / 1_000) % cdrTopics.length] ?? '';
        await producer.send({ topic, messages: records.slice(i, i + 1_000).map((value, j) => ({ key: `k${(i + j) % 16}`, value })) });
      }
      await producer.disconnect();
      const counted = async () => {
        const m = await processor.metrics.registry.getSingleMetricAsString('sentinela_cdrs_total');
        const r = await processor.metrics.registry.getSingleMetricAsString('sentinela_rejected_total');
        const sum = (text: string) =>
          text
            .split('\n')
            .filter((l) => !l.startsWith('#') && l.trim() !== '')
            .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
        return { decoded: sum(m), rejected: sum(r) };
      };
      let last = { decoded: 0, rejected: 0 };
      await waitFor(
        async () => {
          last = await counted();
          return (
            last.decoded + last.rejected >= records.length &&
            new Set(
              dlq.map(
                (m) =>
                  m.headers?.['source-offset']?.toString() + '/' + m.headers?.['source-topic']?.toString() + '/' + m.headers?.['source-partition']?.toString(),
              ),
            ).size >= last.rejected
          );
        },
        'every fuzzed message processed and its dead letters published',
        300_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify({ ...last, dlq: dlq.length, health: processor.health() })}`);
      });
      const c = await counted();
      const [rej] = await ch.rows<{ n: string; coded: string }>(
        `SELECT count() AS n, countIf(error_code != '') AS coded FROM ${ch.database}.rejected_cdrs WHERE source_kind = 'kafka'`,
      );
      const [stored] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.cdrs FINAL WHERE source_topic IN ({t:Array(String)})`, {
        t: cdrTopics,
      });
      const duplicates = Number(/status="duplicate"} (\d+)/.exec(await processor.metrics.registry.getSingleMetricAsString('sentinela_cdrs_total'))?.[1] ?? 0);
      // a batch retried after a failed flush publishes its dead letters again: count records, not messages
      const origin = (m: KafkaMessage) => ['source-topic', 'source-partition', 'source-offset'].map((h) => m.headers?.[h]?.toString()).join('/');
      const dlqRecords = new Set(dlq.map(origin)).size;
      const dlqCoded = new Set(dlq.filter((m) => (m.headers?.['error-code']?.toString() ?? '') !== '').map(origin)).size;
      console.log(
        `[faults] fuzz Kafka decoders (seed ${SEED + 1}, ${formats.join(', ')}): fuzzed ${records.length} = accepted ${c.decoded} (stored ${stored?.n} distinct keys, duplicates ${duplicates}) + rejected with reason ${c.rejected} (DLQ ${dlqRecords} records in ${dlq.length} messages, ${dlqCoded} with error-code; rejected_cdrs ${rej?.n}); crashes 0`,
      );
      assert.equal(c.decoded + c.rejected, records.length, 'fuzzed = accepted + rejected-with-reason');
      assert.equal(dlqRecords, c.rejected);
      assert.equal(dlqCoded, c.rejected);
      assert.equal(Number(rej?.n), c.rejected);
      assert.equal(Number(rej?.coded), c.rejected);
      assert.ok(Number(stored?.n) > 0 && Number(stored?.n) <= c.decoded - duplicates, 'accepted records are stored, one row per key');
      assert.ok(processor.health().ready, 'the processor is still consuming');
    });
  });
});
