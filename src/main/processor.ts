import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { ClickHouseAlarmLedger } from '../adapters/clickhouse/alarm-ledger.js';
import { ClickHouseStore } from '../adapters/clickhouse/store.js';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import { createKafka } from '../adapters/kafka/client.js';
import { KafkaCdrSource, type KafkaCdrSourceOptions } from '../adapters/kafka/cdr-source.js';
import { kafkaSink } from '../adapters/kafka/messages.js';
import { KafkaPublisher } from '../adapters/kafka/publisher.js';
import type { Config, KafkaConfig } from '../config/config.js';
import { storeSink } from '../pipeline/batch.js';
import { ahead } from '../pipeline/flusher.js';
import { createPipelineMetrics, type PipelineMetrics } from '../pipeline/metrics.js';
import type { BatchSink, CdrStore } from '../pipeline/ports.js';
import type { Backoff } from '../retry.js';
import { Alarms, webhookChannel } from '../security/alarms.js';
import { alarmOncePerAlert, sourceAlarm } from '../security/critical-alarms.js';
import { instanceId } from './audit-key.js';
import { engineFactory, pipelineParts } from './parts.js';

import { clickhouseHotlists } from './hotlists.js';

/**
 * The stream processor: the Kafka consumer group as the pipeline's source; the topics (dead letters, alerts,
 * blocks) then ClickHouse as its sinks, in the crash-safe order; then the A1 alarms of the critical alerts
 * persisted, once per alert id (critical-alarms.ts).
 */
export function composeProcessor(o: {
  readonly config: Config;
  readonly kafka: KafkaConfig;
  readonly ruleFiles: RuleFiles;
  readonly clickhouse: ClickHouseClient;
  readonly log: Logger;
  readonly metrics?: PipelineMetrics;
  /** Tests: a fixed wall clock, short backoff, fast group timings, a store that fails on purpose. */
  readonly clock?: () => number;
  readonly backoff?: Backoff;
  readonly consumer?: KafkaCdrSourceOptions['consumer'];
  readonly wrapStore?: (store: CdrStore) => CdrStore;
}) {
  const { config, kafka: kc, log } = o;
  const kafka = createKafka(kc, log);
  const publisher = new KafkaPublisher(kafka);
  const metrics = o.metrics ?? createPipelineMetrics();
  const store = (o.wrapStore ?? ((s) => s))(new ClickHouseStore(o.clickhouse, config.clickhouse.database, log));
  const clock = o.clock ?? Date.now;
  const webhook = config.security.alarmWebhook;
  const alarms = new Alarms({ channels: webhook ? [webhookChannel(webhook)] : [], log, clock });
  const alarmOnce = alarmOncePerAlert({
    alarms,
    ledger: new ClickHouseAlarmLedger(o.clickhouse, config.clickhouse.database),
    maskCallers: config.security.maskCallers,
    instance: `processor:${instanceId(config)}`,
    clock,
    log,
  });
  // last: reached only once the batch is published and stored; never fails, so it never holds the batch back
  const alarmSink: BatchSink = (batch) => alarmOnce(batch.alerts);
  const hotlists = clickhouseHotlists(o.clickhouse, config, log, clock);
  // the topics ahead: a batch's blocks are published without waiting for the inserts of the batch before it
  const sinks = [ahead(kafkaSink(publisher, kc.topics)), storeSink(store), alarmSink];
  const parts = pipelineParts({ ...o, store, metrics, hotlist: hotlists.holder, sinks, sourceChanged: (c) => alarms.raise(sourceAlarm(c)) });
  const source = new KafkaCdrSource({
    kafka,
    groupId: kc.groupId,
    topics: kc.cdrTopics,
    batch: { maxRows: config.pipeline.batchMaxRows, maxWaitMs: config.pipeline.batchMaxWaitMs },
    pipeline: { ...parts, metrics },
    log,
    consumer: o.consumer ?? {
      sessionTimeout: kc.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(kc.sessionTimeoutMs / 10)),
      rebalanceTimeout: kc.rebalanceTimeoutMs,
      maxWaitTimeInMs: Math.min(kc.fetchMaxWaitMs, config.pipeline.batchMaxWaitMs), // an idle fetch never outwaits a batch
    },
  });
  return {
    source,
    metrics,
    alarms,
    health: () => source.health(),
    hotlists,
    /** Hot reload: the pipeline rebuilds its rule state with the new rules (README "Hot reload"). */
    reload: (next: RuleFiles) => source.pipeline.rebuild(undefined, engineFactory(config, next, { hotlist: hotlists.holder })),
    async start(): Promise<void> {
      await hotlists.start();
      await publisher.connect();
      await source.start();
    },
    async stop(): Promise<void> {
      hotlists.stop();
      await source.stop();
      await publisher.disconnect();
      await alarms.drain();
    },
  };
}
export type ComposedProcessor = ReturnType<typeof composeProcessor>;
