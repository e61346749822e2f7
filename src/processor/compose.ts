import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { ClickHouseStore } from '../adapters/clickhouse/store.js';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import { createKafka } from '../adapters/kafka/client.js';
import { KafkaPublisher } from '../adapters/kafka/publisher.js';
import type { Config, KafkaConfig } from '../config/config.js';
import { createEngine } from '../domain/engine/build.js';
import type { ProfileBase } from '../domain/engine/profiles.js';
import { createProcessorMetrics, type ProcessorMetrics } from './metrics.js';
import type { CdrStore } from './ports.js';
import { Processor, type ProcessorOptions } from './processor.js';

/** The service's dialling defaults, as every engine (processor, API attempts) takes them. */
export function engineBase(config: Config): ProfileBase {
  const d = config.dialling;
  return {
    timeZone: d.timeZone,
    dialPlan: { homeCountry: d.homeCountry, defaultDdd: d.defaultDdd, outsideLinePrefix: d.outsideLinePrefix, internationalPrefix: d.internationalPrefix },
  };
}

/** Wires a processor from configuration: the one place that knows every adapter it uses. */
export function composeProcessor(args: {
  readonly config: Config;
  readonly kafka: KafkaConfig;
  readonly ruleFiles: RuleFiles;
  readonly clickhouse: ClickHouseClient;
  readonly log: Logger;
  readonly metrics?: ProcessorMetrics;
  readonly overrides?: Partial<ProcessorOptions>;
  /** Decorates the ClickHouse store (tests inject failures into the real one). */
  readonly wrapStore?: (store: CdrStore) => CdrStore;
}): { processor: Processor; publisher: KafkaPublisher; metrics: ProcessorMetrics } {
  const { config, kafka: kc, ruleFiles, log } = args;
  const kafka = createKafka(kc, log);
  const publisher = new KafkaPublisher(kafka);
  const metrics = args.metrics ?? createProcessorMetrics();
  const d = config.dialling;
  const base = engineBase(config);
  const processor = new Processor({
    kafka,
    groupId: kc.groupId,
    topics: kc.cdrTopics,
    out: kc.topics,
    batch: { maxRows: config.pipeline.batchMaxRows, maxWaitMs: config.pipeline.batchMaxWaitMs },
    maxMessageBytes: config.pipeline.maxMessageBytes,
    newEngine: () => createEngine(ruleFiles, base, { allowedLatenessMs: config.rules.allowedLatenessMs }),
    decoders: { timeZone: d.timeZone, mappings: ruleFiles.mappings },
    store: (args.wrapStore ?? ((s) => s))(new ClickHouseStore(args.clickhouse, config.clickhouse.database)),
    publisher,
    metrics,
    log,
    consumer: {
      sessionTimeout: kc.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(kc.sessionTimeoutMs / 10)),
      rebalanceTimeout: kc.rebalanceTimeoutMs,
      maxWaitTimeInMs: Math.min(500, config.pipeline.batchMaxWaitMs), // an idle fetch never outwaits a batch
    },
    ...args.overrides,
  });
  return { processor, publisher, metrics };
}
