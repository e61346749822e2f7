import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { SentinelaError } from '../../src/errors.js';
import type { CdrStore } from '../../src/pipeline/ports.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { startKafka, type TestKafka } from '../rig/kafka.js';
import { cdr, collect, createTopics, migrated, produce, startProcessor, waitFor } from './rig.js';

const count = async (ch: TestClickHouse, table: string, where = '1') =>
  Number((await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.${table} FINAL WHERE ${where}`))[0]?.n ?? 0);

/** Six calls from one caller to six numbers within 50 s (EV06: 5 in under a minute blocks the caller). */
const burst = (prefix: string, caller: string, at = '2026-03-02T14:00:00-03:00') =>
  Array.from({ length: 6 }, (_, i) =>
    cdr(`${prefix}-${i}`, new Date(Date.parse(at) + i * 10_000).toISOString(), { caller, callee: `+55113000${2000 + i * 37}` }),
  );

describe('stream processor (librdkafka mock cluster + chDB)', () => {
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

  it('end to end: CDRs become rows, a velocity burst becomes a block on the blocks topic (EV06)', async (t) => {
    const topics = await createTopics(kafka, 'e2e');
    const blocks = await collect(t, client, topics.blocks);
    const alerts = await collect(t, client, topics.alerts);
    const processor = await startProcessor(t, { kafka, ch, topics, group: 'e2e' });
    await produce(client, topics.cdrs, burst('e2e', '+551130009999'));
    await waitFor(async () => (await count(ch, 'cdrs', "id LIKE 'e2e-%'")) === 6, '6 CDRs in ClickHouse');
    // the burst comes from one caller and one IP: EV06 blocks the caller, EV12 the IP
    await waitFor(() => blocks.length >= 2, 'two block messages');
    const byKey = new Map(blocks.map((m) => [String(m.key), JSON.parse(String(m.value)) as Record<string, unknown>]));
    assert.deepEqual([...byKey.keys()].sort(), ['acme|caller:+551130009999|velocity-caller', 'acme|ip:200.160.2.3|velocity-ip']);
    const block = byKey.get('acme|caller:+551130009999|velocity-caller') ?? {};
    assert.deepEqual(
      [block['rule'], block['subject'], block['kind'], block['at']],
      ['velocity-caller', 'caller:+551130009999', 'block', '2026-03-02T17:01:10.000Z'], // from the fifth call's end (the decision)
    );
    assert.ok(blocks.every((m) => String(m.headers?.['state']) === 'active'));
    await waitFor(() => alerts.length >= 1, 'an alert message');
    const stored = await ch.rows<{ rule: string; subject_value: string }>(`SELECT rule, subject_value FROM ${ch.database}.blocks FINAL`);
    assert.ok(stored.some((b) => b.rule === 'velocity-caller' && b.subject_value === '+551130009999'));
    const row = (
      await ch.rows<Record<string, unknown>>(`SELECT callee_e164, callee_type, source_topic, status FROM ${ch.database}.cdrs FINAL WHERE id = 'e2e-0'`)
    )[0];
    assert.deepEqual(row, { callee_e164: '+551130002000', callee_type: 'FIXED_LINE', source_topic: topics.cdrs, status: 'evaluated' });
    assert.equal(processor.health().ready, true);
  });

  it('poison messages land in the DLQ and rejected_cdrs with their reason; the partition keeps flowing', async (t) => {
    const topics = await createTopics(kafka, 'poison', 1);
    const dlq = await collect(t, client, topics.dlq);
    await startProcessor(t, { kafka, ch, topics, group: 'poison' }, { extraEnv: { SENTINELA_MAX_MESSAGE_BYTES: '2048' } });
    const poison = [
      { raw: 'not json at all' },
      { raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }, // invalid UTF-8
      { raw: `${'['.repeat(5000)}${']'.repeat(5000)}` }, // oversized (> 2048 bytes)
      { raw: `{"a":${'{"a":'.repeat(20)}1${'}'.repeat(21)}` }, // deep nesting
      {
        raw: JSON.stringify({ ...cdr('poison-proto', '2026-03-02T14:00:00-03:00'), extra: { x: 1 } }).replace('"extra":{"x":1}', '"__proto__":{"admin":true}'),
      },
      { raw: JSON.stringify(cdr('poison-huge', '2026-03-02T14:00:00-03:00', { durationSec: 1e308 })) },
    ];
    await produce(client, topics.cdrs, [cdr('poison-ok-1', '2026-03-02T14:00:00-03:00'), ...poison, cdr('poison-ok-2', '2026-03-02T14:01:00-03:00')]);
    await waitFor(async () => (await count(ch, 'cdrs', "id LIKE 'poison-ok-%'")) === 2, 'both valid CDRs stored');
    await waitFor(() => dlq.length === poison.length, `${poison.length} DLQ messages`);
    const codes = dlq.map((m) => String(m.headers?.['error-code']));
    assert.deepEqual(codes, ['CDR_NOT_JSON', 'CDR_BAD_ENCODING', 'CDR_TOO_LARGE', 'CDR_TOO_DEEP', 'CDR_INVALID', 'CDR_INVALID']);
    assert.deepEqual(
      dlq.map((m) => String(m.headers?.['source-offset'])),
      ['1', '2', '3', '4', '5', '6'],
    );
    assert.equal(String(dlq[0]?.headers?.['source-topic']), topics.cdrs);
    assert.deepEqual(dlq[1]?.value, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'the original bytes');
    assert.match(String(dlq[5]?.headers?.['error-message']), /durationSec/);
    const rejected = await ch.rows<{ error_code: string; source_offset: string; payload: string }>(
      `SELECT error_code, source_offset, payload FROM ${ch.database}.rejected_cdrs FINAL WHERE source_name = {t:String} ORDER BY source_offset`,
      { t: topics.cdrs },
    );
    assert.deepEqual(
      rejected.map((r) => r.error_code),
      codes,
    );
    assert.equal(rejected[1]?.payload, 'base64:e//+fQ==');
  });

  it('a restart does not reset a daily quota: usage before it still counts after it (F2)', async (t) => {
    const topics = await createTopics(kafka, 'quota');
    const blocks = await collect(t, client, topics.blocks);
    const lisbon = (id: string, at: string, minutes: number) => cdr(id, at, { account: 'travel', callee: '+351213000000', durationSec: minutes * 60 });
    const first = await startProcessor(t, { kafka, ch, topics, group: 'quota' });
    await produce(client, topics.cdrs, [lisbon('quota-1', '2026-03-02T09:00:00-03:00', 40)]);
    await waitFor(async () => (await count(ch, 'cdrs', "id = 'quota-1'")) === 1, 'the first call stored');
    await first.stop();
    await startProcessor(t, { kafka, ch, topics, group: 'quota' });
    await produce(client, topics.cdrs, [lisbon('quota-2', '2026-03-02T15:00:00-03:00', 25)]); // 25 min alone is 42 %
    await waitFor(() => blocks.length >= 1, 'the quota block');
    const block = JSON.parse(String(blocks[0]?.value)) as Record<string, unknown>;
    assert.deepEqual([block['rule'], block['subject'], block['scope']], ['international-daily-quota', 'account:travel', 'international']);
    const [alert] = await ch.rows<{ details: string }>(
      `SELECT details FROM ${ch.database}.alerts FINAL WHERE rule = 'international-daily-quota' AND severity = 'critical'`,
    );
    assert.equal((JSON.parse(alert?.details ?? '{}') as Record<string, number>)['percentUsed'], 108.33);
  });

  it('G3: a restart restores the learned usage profile: an office behind one IP keeps its usual level', async (t) => {
    const topics = await createTopics(kafka, 'usage');
    const tenant = 'usage-office';
    const callers = Array.from({ length: 20 }, (_, i) => `+5511300100${String(i).padStart(2, '0')}`);
    const call = (id: string, at: number, i: number) =>
      cdr(id, new Date(at).toISOString(), { tenant, account: 'pbx', caller: callers[i % 20] as string, srcIp: '200.160.9.9' });
    // Thursday (older than a rebuild's CDR replay): 20 extensions start the day, then 10 calls a minute for 30 min
    const warm = Date.parse('2026-02-26T09:00:00-03:00');
    const peak = Date.parse('2026-02-26T10:00:00-03:00');
    const thursday = [
      ...callers.map((_, i) => call(`usage-w${i}`, warm + i * 20_000, i)),
      ...Array.from({ length: 300 }, (_, i) => call(`usage-${i}`, peak + i * 6_000, i)),
    ];
    const monday = Array.from({ length: 36 }, (_, i) => call(`usage-m${i}`, Date.parse('2026-03-02T10:00:00-03:00') + i * 5_000, i * 7));
    const stored = (n: number) => waitFor(async () => (await count(ch, 'cdrs', `tenant = '${tenant}'`)) === n, `${n} CDRs stored`);
    const version = `SELECT toUnixTimestamp64Milli(event_time) AS through FROM ${ch.database}.usage_profiles FINAL WHERE tenant = {t:String}`;
    const saved = async () => (await ch.rows<{ through: string | number }>(version, { t: tenant })).map((r) => Number(r.through));

    const first = await startProcessor(t, { kafka, ch, topics, group: 'usage' });
    await produce(client, topics.cdrs, thursday);
    await stored(thursday.length);
    await first.stop();
    assert.deepEqual(await saved(), [peak + 299 * 6_000 + 30_000], 'saved on a clean stop');
    const second = await startProcessor(t, { kafka, ch, topics, group: 'usage' });
    await produce(client, topics.cdrs, monday); // 12 a minute: above EV12's floor of 5, within the learned peak
    await stored(thursday.length + monday.length);
    // Thursday's first morning is a cold start: the address shared by 20 callers is at most warned about
    assert.equal(await count(ch, 'alerts', `tenant = '${tenant}' AND severity = 'critical'`), 0, 'no critical alert on the office');
    assert.equal(await count(ch, 'alerts', `tenant = '${tenant}' AND toDate(at) = '2026-03-02'`), 0, 'no verdict at all on Monday');
    assert.equal(await count(ch, 'blocks', `tenant = '${tenant}'`), 0);
    await second.stop();
    assert.deepEqual(await saved(), [Date.parse('2026-03-02T10:00:00-03:00') + 35 * 5_000 + 30_000], "Monday's profile replaced Thursday's");
  });

  it('ClickHouse failing 3 times then recovering: consumption pauses, nothing is lost or doubled (A11)', async (t) => {
    const topics = await createTopics(kafka, 'flaky');
    let failures = 3;
    // a Proxy over the real store: only insertCdrs fails, every other method (present or added later) is the store's own
    const flaky = (store: CdrStore): CdrStore =>
      new Proxy(store, {
        get(target, name, receiver) {
          if (name !== 'insertCdrs') {
            const value: unknown = Reflect.get(target, name, receiver);
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          }
          return async (rows: Parameters<CdrStore['insertCdrs']>[0]) => {
            if (failures > 0) {
              failures--;
              throw new SentinelaError('STORE_UNAVAILABLE', 'ClickHouse unreachable: ECONNREFUSED (injected)');
            }
            return target.insertCdrs(rows);
          };
        },
      });
    const processor = await startProcessor(t, { kafka, ch, topics, group: 'flaky' }, { storeWrapper: flaky });
    let sawDegraded = false;
    const watch = setInterval(() => (sawDegraded ||= processor.health().degraded), 10);
    t.after(() => clearInterval(watch));
    const cdrs = Array.from({ length: 300 }, (_, i) =>
      cdr(`flaky-${i}`, new Date(Date.parse('2026-03-02T10:00:00-03:00') + i * 7_000).toISOString(), { caller: `+5511300${String(i % 40).padStart(5, '0')}` }),
    );
    await produce(client, topics.cdrs, [...burst('flaky-burst', '+551130008888'), ...cdrs]);
    await waitFor(async () => (await count(ch, 'cdrs', "id LIKE 'flaky-%'")) === 306, 'all 306 CDRs stored');
    assert.equal(failures, 0);
    assert.ok(sawDegraded, 'health reported degraded while ClickHouse failed');
    await waitFor(() => processor.health().ready, 'ready again');
    const raw = await ch.rows<{ n: string; ids: string }>(`SELECT count() AS n, uniqExact(id) AS ids FROM ${ch.database}.cdrs WHERE id LIKE 'flaky-%'`);
    assert.equal(raw[0]?.n, raw[0]?.ids, 'no CDR stored twice, even before merges');
    assert.equal(await count(ch, 'blocks', "subject_value = '+551130008888'"), 1);
  });

  it('two processors sharing the partitions give the same verdicts as one (tenant-keyed partitions)', async (t) => {
    const shared = await createTopics(kafka, 'pair');
    const single = await createTopics(kafka, 'solo');
    const ch2 = await createTestDatabase();
    await migrated(ch2);
    t.after(() => ch2.drop());
    const a = await startProcessor(t, { kafka, ch, topics: shared, group: 'pair' });
    const b = await startProcessor(t, { kafka, ch, topics: shared, group: 'pair' });
    await startProcessor(t, { kafka, ch: ch2, topics: single, group: 'solo' });
    await waitFor(
      () =>
        a.health().ready &&
        b.health().ready &&
        a.source.assignedPartitions + b.source.assignedPartitions === 4 &&
        a.source.assignedPartitions > 0 &&
        b.source.assignedPartitions > 0,
      'both members own partitions',
    );
    const traffic = mixedTraffic('pair');
    await produce(client, shared.cdrs, traffic);
    await produce(client, single.cdrs, traffic);
    const n = traffic.length;
    await waitFor(
      async () => (await count(ch, 'cdrs', "id LIKE 'pair-%'")) === n && (await count(ch2, 'cdrs', "id LIKE 'pair-%'")) === n,
      `${n} CDRs in both databases`,
    );
    const ids = async (db: TestClickHouse, table: string) =>
      (await db.rows<{ id: string }>(`SELECT id FROM ${db.database}.${table} FINAL WHERE tenant LIKE 'pair-%' ORDER BY id`)).map((r) => r.id);
    await waitFor(async () => (await ids(ch, 'alerts')).length === (await ids(ch2, 'alerts')).length, 'alerts settled');
    const alerts = await ids(ch2, 'alerts');
    assert.ok(alerts.length >= 6, `verdicts to compare (${alerts.length})`);
    const dump = async (db: TestClickHouse) =>
      (
        await db.rows<Record<string, string>>(
          `SELECT rule, tenant, subject_value, at, severity, details FROM ${db.database}.alerts FINAL WHERE tenant LIKE 'pair-%' ORDER BY tenant, at, rule`,
        )
      ).map((r) => JSON.stringify(r));
    assert.deepEqual(await dump(ch), await dump(ch2));
    assert.deepEqual(await ids(ch, 'alerts'), alerts);
    assert.deepEqual(await ids(ch, 'blocks'), await ids(ch2, 'blocks'));
  });
});

/**
 * Six tenants over 20 minutes: ordinary calls plus, per tenant, a caller burst (EV06) and calls from many
 * accounts through one IP (EV12) - the per-IP rule is keyed differently from the account, and still sees
 * every call of its tenant because producers key messages by tenant.
 */
function mixedTraffic(prefix: string) {
  const base = Date.parse('2026-03-02T13:00:00-03:00');
  const out = [];
  for (let i = 0; i < 480; i++) {
    const tenant = `${prefix}-t${i % 6}`;
    out.push(
      cdr(`${prefix}-${i}`, new Date(base + i * 2_500).toISOString(), {
        tenant,
        account: `acct-${i % 11}`,
        caller: `+5511300${String(i % 37).padStart(5, '0')}`,
        srcIp: `10.0.${i % 6}.${i % 9}`,
      }),
    );
    if (i % 80 === 40) {
      for (let j = 0; j < 6; j++) {
        out.push(
          cdr(`${prefix}-${i}-burst-${j}`, new Date(base + i * 2_500 + j * 8_000).toISOString(), {
            tenant,
            account: `acct-${j}`,
            caller: `+5521999${String(i).padStart(6, '0')}`,
            callee: `+55113000${2000 + j * 37}`,
            srcIp: '203.0.113.9',
          }),
        );
      }
    }
  }
  return out;
}
