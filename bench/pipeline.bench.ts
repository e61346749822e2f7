/**
 * npm run bench:pipeline — in one run, on the same broker (librdkafka mock cluster, or KAFKA_BROKERS) and the same
 * topic: (a) bare kafkajs consume + JSON.parse of every message, (b) the full pipeline (decode, validate,
 * normalise, every shipped rule, ClickHouse inserts on chDB, verdicts published) to committed offsets, and
 * (c) CDR-produced → block-published latency for velocity bursts while the processor is caught up.
 * Last line is machine-readable. `--quick` (npm run bench:pipeline -- --quick): a quarter of the CDRs and 20 bursts, under a minute.
 * Prepares the Kafka mock it needs as `npm test` does (test/rig/prepare.mjs; nothing is built when KAFKA_BROKERS is set).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ClientModule from '../src/adapters/clickhouse/client.js';
import type * as MigrationsModule from '../src/adapters/clickhouse/migrations.js';
import type * as MigratorModule from '../src/adapters/clickhouse/migrator.js';
import type * as RuleFilesModule from '../src/adapters/files/rule-files.js';
import type * as ConfigModule from '../src/config/config.js';
import type * as LogModule from '../src/log.js';
import type * as ComposeModule from '../src/main/processor.js';
import '../test/rig/prepare.mjs';
import { startKafka } from '../test/rig/kafka.js';
import { dialler, prng } from './stream.js';

const lib = process.env['BENCH_SOURCE'] === 'src' ? '../src' : '../dist';
const { createClickHouseClient } = (await import(`${lib}/adapters/clickhouse/client.js`)) as typeof ClientModule;
const { readMigrations } = (await import(`${lib}/adapters/clickhouse/migrations.js`)) as typeof MigrationsModule;
const { migrate } = (await import(`${lib}/adapters/clickhouse/migrator.js`)) as typeof MigratorModule;
const { loadRuleFiles } = (await import(`${lib}/adapters/files/rule-files.js`)) as typeof RuleFilesModule;
const { parseConfig } = (await import(`${lib}/config/config.js`)) as typeof ConfigModule;
const { createLogger } = (await import(`${lib}/log.js`)) as typeof LogModule;
const { composeProcessor } = (await import(`${lib}/main/processor.js`)) as typeof ComposeModule;

const QUICK = process.argv.includes('--quick');
const COUNT = Number(process.env['BENCH_COUNT'] ?? (QUICK ? 12_000 : 48_000)); // the mock cluster keeps ~16k messages per partition
const PARTITIONS = 4;
const BURSTS = Number(process.env['BENCH_BURSTS'] ?? (QUICK ? 20 : 50));
const log = (line: string) => process.stderr.write(`${line}\n`);

const kafka = await startKafka({ brokers: 1, topics: { cdrs: PARTITIONS, blocks: 1, alerts: 1, dlq: 1 } });
const client = kafka.client('bench');
const topic = kafka.topic('cdrs');

// --- traffic: an ordinary Brazilian PBX day for 40 tenants, keyed by tenant: mostly national calls, 3 % drawn
// from the full dial mix (international, premium, extensions, emergency) ------------------------------------
const { rand, digits } = prng(11);
const dialled = dialler(12);
const base = Date.now() - 6 * 3_600_000;
const lines: { key: string; value: string }[] = [];
for (let i = 0; i < COUNT; i++) {
  const tenant = `t${i % 40}`;
  const start = base + Math.floor((i / COUNT) * 5 * 3_600_000);
  const bill = rand() < 0.3 ? 0 : 5 + Math.floor(rand() * 300);
  const cdr = {
    id: `p-${i}`,
    tenant,
    account: `a${Math.floor(rand() * 500)}`,
    caller: `+5511${digits(8)}`,
    callee: rand() < 0.03 ? dialled() : `0${rand() < 0.5 ? '' : '21'}${rand() < 0.6 ? '9' : '3'}${digits(8)}`,
    srcIp: `10.${i % 40}.${Math.floor(rand() * 4)}.${Math.floor(rand() * 250)}`,
    startedAt: start,
    answeredAt: bill > 0 ? start + 2000 : null,
    endedAt: start + 2000 + bill * 1000,
    durationSec: bill + 2,
    billSec: bill,
    disposition: bill > 0 ? 'ANSWERED' : 'NO ANSWER',
  };
  lines.push({ key: tenant, value: JSON.stringify(cdr) });
}
const producer = client.producer();
await producer.connect();
for (let i = 0; i < lines.length; i += 2000) await producer.send({ topic, messages: lines.slice(i, i + 2000) });
log(`bench:pipeline: ${COUNT} CDRs produced to ${PARTITIONS} partitions`);

// --- (a) bare kafkajs consume + JSON.parse --------------------------------------------------------------------
async function bare(): Promise<number> {
  const consumer = client.consumer({
    groupId: `bare-${Date.now()}`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    rebalanceTimeout: 2000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const m of batch.messages) if (m.value) JSON.parse(m.value.toString());
        seen += batch.messages.length;
        if (seen >= COUNT) resolve();
      },
    });
  });
  await done;
  const elapsed = performance.now() - started;
  await consumer.disconnect();
  return (COUNT / elapsed) * 1000;
}

// --- (b) full pipeline to committed offsets -------------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), 'sentinela-bench-'));
const ch = createClickHouseClient({ mode: 'embedded', dataDir });
await migrate(ch, { database: 'bench', retentionDays: 0, migrations: readMigrations() });
const config = parseConfig({
  KAFKA_BROKERS: kafka.brokers.join(','),
  KAFKA_GROUP_ID: 'pipeline',
  KAFKA_CDR_TOPICS: topic,
  KAFKA_BLOCKS_TOPIC: kafka.topic('blocks'),
  KAFKA_ALERTS_TOPIC: kafka.topic('alerts'),
  KAFKA_DLQ_TOPIC: kafka.topic('dlq'),
  KAFKA_SESSION_TIMEOUT: '6s',
  KAFKA_REBALANCE_TIMEOUT: '2s',
  CLICKHOUSE_DATABASE: 'bench',
  SENTINELA_BATCH_MAX_WAIT: '200ms',
  // librdkafka's mock holds an empty fetch for its whole max wait, even when records arrive meanwhile (a broker
  // answers as soon as they do): at the default 200 ms that wait was most of (c). Polling it like the block consumer
  // below stands in for a broker's early answer.
  KAFKA_FETCH_MAX_WAIT: '20ms',
});
const admin = client.admin();
await admin.connect();
async function committed(group: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

async function pipeline() {
  if (!config.kafka) throw new Error('no kafka');
  const processor = composeProcessor({ config, kafka: config.kafka, ruleFiles: loadRuleFiles('rules'), clickhouse: ch, log: createLogger('warn') });
  const { metrics } = processor;
  await processor.start();
  while (!processor.health().ready) await new Promise((r) => setTimeout(r, 20));
  const started = performance.now();
  const cpu = process.cpuUsage(); // this process's CPU, chDB's threads included: what the pipeline costs, whatever else runs on the machine
  while ((await committed('pipeline')) < COUNT) await new Promise((r) => setTimeout(r, 20));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const text = await metrics.registry.metrics();
  const pick = (name: string) =>
    text
      .split('\n')
      .find((l) => l.startsWith(name))
      ?.split(' ')
      .pop() ?? '?';
  log(
    `    batches ${pick('sentinela_batch_rows_count')}, rows ${pick('sentinela_batch_rows_sum')}, persist seconds ${Number(pick('sentinela_batch_flush_seconds_sum')).toFixed(2)} of ${(elapsed / 1000).toFixed(2)}`,
  );
  return { processor, rate: (COUNT / elapsed) * 1000, cpuUs: (used.user + used.system) / COUNT };
}

const bareRate = await bare();
log(`(a) bare kafkajs consume + JSON.parse: ${Math.round(bareRate)} msgs/s`);
const { processor, rate, cpuUs } = await pipeline();
log(`(b) full pipeline to committed offsets: ${Math.round(rate)} CDRs/s (ratio ${(rate / bareRate).toFixed(3)}), ${cpuUs.toFixed(0)} µs of CPU per CDR`);

// --- (c) CDR produced → block published ----------------------------------------------------------------------
const sent = new Map<string, number>();
const latencies: number[] = [];
const blocks = client.consumer({ groupId: `blocks-${Date.now()}`, maxWaitTimeInMs: 20, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 2000 });
await blocks.connect();
// the bursts start once this consumer has joined: reading from the end, a late join (a loaded machine) missed every block
const joined = new Promise<void>((resolve) => blocks.on(blocks.events.GROUP_JOIN, () => resolve()));
await blocks.subscribe({ topic: kafka.topic('blocks'), fromBeginning: false });
await blocks.run({
  eachMessage: async ({ message }) => {
    const key = String(message.key);
    const at = sent.get(key);
    if (at === undefined) return;
    latencies.push(performance.now() - at);
    sent.delete(key);
  },
});
await joined;
await new Promise((r) => setTimeout(r, 1500)); // its first fetch is under way
const BURST_CALLEES = ['+551130002000', '+552140051234', '+553132107788', '+554130334455', '+555121098877'];
for (let b = 0; b < BURSTS; b++) {
  const caller = `+55219${String(10_000_000 + b)}`;
  const start = Date.now() - 120_000;
  const burst = Array.from({ length: 5 }, (_, j) => ({
    key: 't0',
    value: JSON.stringify({
      id: `burst-${b}-${j}`,
      tenant: 't0',
      account: `burst${b}`,
      caller,
      callee: BURST_CALLEES[j], // distinct, unrelated numbers: velocity-caller counts distinct destinations
      startedAt: start + j * 5000,
      answeredAt: start + j * 5000,
      endedAt: start + j * 5000 + 10_000,
      durationSec: 10,
      billSec: 10,
      disposition: 'ANSWERED',
    }),
  }));
  await producer.send({ topic, messages: burst.slice(0, 4) });
  sent.set(`t0|caller:${caller}|velocity-caller`, performance.now());
  await producer.send({ topic, messages: burst.slice(4) });
  await new Promise((r) => setTimeout(r, 100));
}
const deadline = Date.now() + 20_000;
while (sent.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
latencies.sort((x, y) => x - y);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
log(`(c) CDR produced → block published (${latencies.length}/${BURSTS} bursts): p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`);

await blocks.disconnect();
await processor.stop();
await producer.disconnect();
await admin.disconnect();
await ch.close();
await kafka.stop();
rmSync(dataDir, { recursive: true, force: true });
console.log(
  `pipeline cdrs_per_s=${Math.round(rate)} bare_per_s=${Math.round(bareRate)} ratio=${(rate / bareRate).toFixed(3)} cpu_us_per_cdr=${cpuUs.toFixed(0)} ` +
    `block_latency_p50_ms=${pct(50).toFixed(1)} block_latency_p99_ms=${pct(99).toFixed(1)} bursts=${latencies.length}/${BURSTS}`,
);
