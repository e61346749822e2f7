import { ClickHouseApiStore } from '../adapters/clickhouse/api-store.js';
import { ClickHouseSecurityStore } from '../adapters/clickhouse/security-store.js';
import { ClickHouseStore } from '../adapters/clickhouse/store.js';
import { loadRuleFiles } from '../adapters/files/rule-files.js';
import { loadConfig } from '../config/config.js';
import { createEngine } from '../domain/engine/build.js';
import { createLogger } from '../log.js';
import { composeProcessor, engineBase } from '../processor/compose.js';
import { LocalPipeline } from '../processor/local-pipeline.js';
import { createProcessorMetrics } from '../processor/metrics.js';
import type { ChildMessage, ParentMessage } from './rpc.js';
import { serveRpc } from './rpc.js';
import { openClickHouse } from './clickhouse.js';

/**
 * The CDR pipeline in its own process (`--role all` and the embedded mode), so decoding, rules and ClickHouse
 * inserts never hold the event loop that answers block-checks. Logs go to stderr as pino JSON.
 */
async function main(mode: string): Promise<void> {
  const send = (m: ChildMessage) => {
    if (process.connected) process.send?.(m);
  };
  const config = loadConfig();
  const log = createLogger(config.logLevel, 2, { maskCallers: config.security.maskCallers }).child({ process: 'pipeline' });
  const ruleFiles = loadRuleFiles(config.rules.dir);
  const clickhouse = await openClickHouse(config, log);
  const metrics = createProcessorMetrics();
  const handlers: Record<string, object> = { metrics: { text: () => metrics.registry.metrics() }, store: new ClickHouseApiStore(clickhouse, config.clickhouse.database), security: new ClickHouseSecurityStore(clickhouse, config.clickhouse.database) };
  let health = () => ({ ready: false, degraded: false, reason: 'starting' });
  let stop: () => Promise<void>;

  if (mode === 'kafka') {
    if (!config.kafka) throw new Error('KAFKA_BROKERS is not set');
    const { processor, publisher } = composeProcessor({ config, kafka: config.kafka, ruleFiles, clickhouse, log, metrics });
    await publisher.connect();
    await processor.start();
    health = () => processor.health();
    stop = async () => {
      await processor.stop();
      await publisher.disconnect();
    };
  } else {
    const pipeline = new LocalPipeline({
      newEngine: () => createEngine(ruleFiles, engineBase(config), { allowedLatenessMs: config.rules.allowedLatenessMs }),
      decoders: { timeZone: config.dialling.timeZone, mappings: ruleFiles.mappings },
      store: new ClickHouseStore(clickhouse, config.clickhouse.database),
      maxLineBytes: config.pipeline.maxMessageBytes,
      metrics,
      log,
      onBlocks: (records) => send({ type: 'event', name: 'blocks', value: records }),
      onCritical: (alerts) => send({ type: 'event', name: 'critical', value: alerts }),
    });
    handlers['ingest'] = pipeline;
    await pipeline.start();
    health = () => (pipeline.ready ? { ready: true, degraded: false, reason: 'ok' } : { ready: false, degraded: true, reason: 'rebuilding rule state' });
    stop = async () => {};
  }

  const serve = serveRpc(handlers, send);
  const beat = setInterval(() => send({ type: 'event', name: 'health', value: health() }), 250);
  send({ type: 'event', name: 'health', value: health() });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(beat);
    await stop();
    await clickhouse.close();
    log.info('pipeline stopped');
    process.exit(0);
  };
  process.on('message', (m: ParentMessage) => (m.type === 'stop' ? void shutdown() : serve(m)));
  process.on('disconnect', () => void shutdown()); // the API process died: finish what is in flight, then go
  // a terminal's Ctrl-C or a group-wide SIGTERM reaches this process too: the parent decides when it stops
  process.on('SIGTERM', () => (process.connected ? undefined : void shutdown()));
  process.on('SIGINT', () => {});
}

main(process.argv[2] ?? 'embedded').catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 60, msg: 'pipeline process failed', err: String((err as Error)?.stack ?? err) })}\n`);
  process.exit(1);
});
