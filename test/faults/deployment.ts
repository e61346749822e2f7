import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Producer } from 'kafkajs';
import { cdr, createTopics, kafkaEnv, type Topics } from '../processor/rig.js';
import { startClickHouseShim } from '../rig/clickhouse.js';
import { startKafka, type TestKafka } from '../rig/kafka.js';
import { issueApiKey, startServer, type ServerProcess } from '../rig/server.js';
import { startTcpProxy, type TcpProxy } from '../rig/tcp-proxy.js';
import { figuresOf, type Figures } from './figures.js';

/**
 * A Kafka-mode deployment for fault scenarios, every part a real process: the librdkafka mock cluster, a
 * ClickHouse HTTP server over chDB (test/rig/clickhouse-shim.ts) behind a TCP proxy the test can cut, and
 * `sentinela start --role processor|api` processes talking to both as in production.
 */
export interface Deployment {
  readonly kafka: TestKafka;
  readonly topics: Topics;
  readonly proxy: TcpProxy;
  /** Reads ClickHouse directly (not through the proxy). */
  readonly clickhouse: ClickHouseClient;
  readonly database: string;
  readonly group: string;
  /** Starts `sentinela start --role …` on this deployment (ClickHouse through the proxy). */
  start(role: 'processor' | 'api', env?: Record<string, string>): Promise<ServerProcess>;
  /** A PBX API key for every tenant, issued with the CLI. */
  apiKey(): Promise<{ authorization: string }>;
  /** Sum of the group's committed offsets on the CDR topic (each message is one CDR). */
  committed(): Promise<number>;
  /** Figures for the CDRs sent and acknowledged (ids; acknowledged = all sent once `committed()` caught up). */
  figures(sent: readonly string[], acknowledged: readonly string[]): Promise<Figures>;
  stop(): Promise<void>;
}

export async function startDeployment(name: string, partitions = 4): Promise<Deployment> {
  const kafka = await startKafka({ brokers: 1 });
  const topics = await createTopics(kafka, name, partitions);
  const dataDir = mkdtempSync(join(tmpdir(), `sentinela-${name}-`));
  const shim = await startClickHouseShim(dataDir);
  const proxy = await startTcpProxy(shim.port);
  const database = `sentinela_${name.replace(/\W/g, '_')}`;
  const group = `${name}-processors`;
  const clickhouse = createClient({ url: shim.url });
  const env = (): Record<string, string> => ({
    ...kafkaEnv({ kafka, ch: { database }, topics, group }),
    KAFKA_SESSION_TIMEOUT: '6s',
    KAFKA_REBALANCE_TIMEOUT: '3s',
    CLICKHOUSE_URL: `http://127.0.0.1:${proxy.port}`,
    SENTINELA_DATA_DIR: dataDir,
    SENTINELA_AUDIT_KEY: 'faults-audit-key-0123456789abcdef-0123',
    SENTINELA_BATCH_MAX_ROWS: '500',
    SENTINELA_BATCH_MAX_WAIT: '200ms',
    // shedding on this busy 2-core machine is not what these scenarios test (README "Load shedding")
    SENTINELA_MAX_EVENT_LOOP_DELAY: '10s',
  });
  const servers: ServerProcess[] = [];
  const admin = kafka.client().admin();
  await admin.connect();
  return {
    kafka,
    topics,
    proxy,
    clickhouse,
    database,
    group,
    start: async (role, more = {}) => {
      const server = await startServer(['--role', role], { ...env(), ...more });
      servers.push(server);
      return server;
    },
    apiKey: () => issueApiKey(env()),
    committed: async () => {
      const [topic] = await admin.fetchOffsets({ groupId: group, topics: [topics.cdrs] });
      return (topic?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    },
    figures: async (sent, acknowledged) => {
      const rows = await (await clickhouse.query({ query: `SELECT id FROM ${database}.cdrs`, format: 'JSONEachRow' })).json<{ id: string }>();
      return figuresOf(
        sent,
        acknowledged,
        rows.map((r) => r.id),
      );
    },
    stop: async () => {
      for (const s of servers) await s.stop('SIGKILL');
      await admin.disconnect();
      await clickhouse.close();
      await proxy.close();
      await shim.stop();
      await kafka.stop();
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/**
 * A steady stream of CDRs (unique ids, tenants as message keys) until `stop()`; `sent` lists them in order. Some
 * callers call every 11 s, so the velocity rule blocks them as the stream goes.
 */
export function steadyStream(kafka: TestKafka, topic: string, o: { perTick: number; tickMs: number; prefix: string }) {
  const sent: string[] = [];
  let running = true;
  let sendFailures = 0;
  let longestSendMs = 0;
  let producer: Producer | undefined;
  const base = Date.now() - 3_600_000;
  const done = (async () => {
    producer = kafka.client().producer();
    await producer.connect();
    for (let tick = 0; running; tick++) {
      const batch = Array.from({ length: o.perTick }, (_, j) => {
        const i = tick * o.perTick + j;
        return cdr(`${o.prefix}-${i}`, new Date(base + i * 200).toISOString(), {
          tenant: `${o.prefix}-t${i % 3}`,
          caller: `+5511300${String(i % 13).padStart(5, '0')}`,
          srcIp: `10.2.${i % 4}.${i % 9}`,
        });
      });
      // an exporter retries until Kafka acknowledges (a broker may be down): the ids count as sent once acknowledged
      const started = performance.now();
      for (;;) {
        try {
          await producer.send({ topic, messages: batch.map((c) => ({ key: c.tenant ?? 'default', value: JSON.stringify(c) })) });
          break;
        } catch {
          sendFailures++;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      longestSendMs = Math.max(longestSendMs, performance.now() - started);
      for (const c of batch) sent.push(c.id);
      await new Promise((resolve) => setTimeout(resolve, o.tickMs));
    }
    await producer.disconnect();
  })();
  return {
    sent,
    failures: () => sendFailures,
    longestSendMs: () => Math.round(longestSendMs),
    stop: async () => {
      running = false;
      await done;
    },
  };
}
