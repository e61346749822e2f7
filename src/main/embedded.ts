import { EventEmitter } from 'node:events';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { ClickHouseStore } from '../adapters/clickhouse/store.js';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import type { VerdictFeed } from '../api/ports.js';
import type { Config } from '../config/config.js';
import { storeSink, type PendingBatch } from '../pipeline/batch.js';
import { BodyIngest, HTTP_STREAM } from '../pipeline/body-ingest.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';
import { Pipeline } from '../pipeline/pipeline.js';
import type { CdrStore } from '../pipeline/ports.js';
import { engineFactory, pipelineParts } from './parts.js';
import { callEndsOf } from '../domain/live/call-end.js';
import { clickhouseHotlists } from './hotlists.js';

/**
 * The embedded mode's pipeline: CDRs from request bodies, persisted to ClickHouse, then announced on `feed`
 * (new blocks for the API's table and pushes, critical alerts and security sources that stopped matching for A1 alarms). Runs in the pipeline child
 * process of `sentinela start`, or in-process (tests).
 */
export function composeEmbeddedPipeline(o: {
  config: Config;
  ruleFiles: RuleFiles;
  clickhouse: ClickHouseClient;
  log: Logger;
  metrics?: PipelineMetrics;
  clock?: () => number;
  /** Decorates the ClickHouse store (tests inject failures into the real one). */
  wrapStore?: (store: CdrStore) => CdrStore;
}) {
  const store = (o.wrapStore ?? ((s) => s))(new ClickHouseStore(o.clickhouse, o.config.clickhouse.database, o.log));
  const feed = new EventEmitter() as EventEmitter & VerdictFeed;
  // announced once persisted (the acknowledgement), never again on a retried write
  const announce = async (batch: PendingBatch) => {
    if (batch.blocks.length > 0) feed.emit('blocks', batch.blocks);
    const critical = batch.alerts.filter((a) => a.severity === 'critical');
    if (critical.length > 0) feed.emit('critical', critical);
    const ends = callEndsOf(batch.cdrs);
    if (ends.length > 0) feed.emit('ends', ends);
  };
  const hotlists = clickhouseHotlists(o.clickhouse, o.config, o.log, o.clock);
  const pipeline = new Pipeline(
    pipelineParts({ ...o, store, hotlist: hotlists.holder, sinks: [storeSink(store)], sourceChanged: (c) => feed.emit('source', c) }),
    { ack: announce },
  );
  const start = async () => {
    await hotlists.start();
    await pipeline.start({ [HTTP_STREAM.topic]: [HTTP_STREAM.partition] });
  };
  /** Hot reload: the rule state rebuilt with the new rules (README "Hot reload"). */
  const reload = (next: RuleFiles) => pipeline.rebuild(undefined, engineFactory(o.config, next, { hotlist: hotlists.holder }));
  return { pipeline, ingest: new BodyIngest(pipeline), feed, hotlists, start, reload };
}
