import { ClickHouseApiStore } from '../adapters/clickhouse/api-store.js';
import { ClickHouseSecurityStore } from '../adapters/clickhouse/security-store.js';
import { ClickHouseHotlistStore } from '../adapters/clickhouse/hotlist-store.js';
import { text } from 'node:stream/consumers';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import { ruleFilesOf, type RuleTexts } from '../ipc/rule-texts.js';
import { loadConfig } from '../config/config.js';
import type { ChildMessage, ParentMessage } from '../ipc/rpc.js';
import { serveRpc } from '../ipc/rpc.js';
import { writeBulk } from '../ipc/bulk-file.js';
import { createLogger } from '../log.js';
import { createPipelineMetrics } from '../pipeline/metrics.js';
import { openClickHouse } from './clickhouse.js';
import { composeEmbeddedPipeline } from './embedded.js';
import { composeProcessor } from './processor.js';
import { storedComparer } from './compare.js';
import { ClickHouseStore } from '../adapters/clickhouse/store.js';

/**
 * The CDR pipeline in its own process (`--role all` and the embedded mode), so decoding, rules and ClickHouse
 * inserts never hold the event loop that answers block-checks. Logs go to stderr as pino JSON.
 */
async function main(mode: string): Promise<void> {
  // the API process died: never outlive it (an orphan would hold chDB's data directory), even while starting or if
  // the graceful stop below hangs
  const orphanGuard = () => setTimeout(() => process.exit(1), 15_000).unref();
  process.once('disconnect', orphanGuard);
  // a parent that died while forking this process disconnected before anyone listened: an orphan found in a test run
  if (!process.connected) orphanGuard();
  const send = (m: ChildMessage) => {
    if (process.connected) process.send?.(m);
  };
  const config = loadConfig();
  const log = createLogger(config.logLevel, 2, { maskCallers: config.security.maskCallers }).child({ process: 'pipeline' });
  const ruleFiles = ruleFilesOf(config.rules.dir, JSON.parse(await text(process.stdin)) as RuleTexts);
  const clickhouse = await openClickHouse(config, log);
  const metrics = createPipelineMetrics();
  const apiStore = new ClickHouseApiStore(clickhouse, config.clickhouse.database);
  const handlers: Record<string, object> = {
    metrics: { text: () => metrics.registry.metrics() },
    store: apiStore,
    // the API's bootstrap: its bytes through a file (ipc/bulk-file.ts)
    bulk: { activeBlocks: async (now: number) => writeBulk(await apiStore.activeBlocks(now)) },
    security: new ClickHouseSecurityStore(clickhouse, config.clickhouse.database),
    hotlists: new ClickHouseHotlistStore(clickhouse, config.clickhouse.database),
    compare: storedComparer({ config, store: new ClickHouseStore(clickhouse, config.clickhouse.database), clock: Date.now }),
  };
  let role: { health: () => unknown; start: () => Promise<void>; stop: () => Promise<void>; reload: (next: RuleFiles) => Promise<void> };
  if (mode === 'kafka') {
    if (!config.kafka) throw new Error('KAFKA_BROKERS is not set');
    role = composeProcessor({ config, kafka: config.kafka, ruleFiles, clickhouse, log, metrics });
  } else {
    const embedded = composeEmbeddedPipeline({ config, ruleFiles, clickhouse, log, metrics });
    embedded.feed.on('blocks', (value) => send({ type: 'event', name: 'blocks', value }));
    embedded.feed.on('critical', (value) => send({ type: 'event', name: 'critical', value }));
    embedded.feed.on('ends', (value) => send({ type: 'event', name: 'ends', value }));
    embedded.feed.on('source', (value) => send({ type: 'event', name: 'source', value }));
    handlers['ingest'] = embedded.ingest;
    role = {
      health: () => embedded.pipeline.health(),
      start: embedded.start,
      reload: embedded.reload,
      stop: () => {
        embedded.hotlists.stop();
        return embedded.pipeline.stop();
      },
    };
  }
  // hot reload: the files the parent validated, as it read them (the directory may hold another edit by now)
  handlers['rules'] = {
    reload: (sources: Record<string, string>, digest: string) => role.reload(ruleFilesOf(config.rules.dir, { sources, digest })),
  };
  // answer the parent (health beats, store calls, stop) while the rule state is still rebuilding
  const serve = serveRpc(handlers, send);
  const beat = setInterval(() => send({ type: 'event', name: 'health', value: role.health() }), 250);
  send({ type: 'event', name: 'health', value: role.health() });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(beat);
    await role.stop();
    await clickhouse.close();
    log.info('pipeline stopped');
    process.exit(0);
  };
  process.on('message', (m: ParentMessage) => (m.type === 'stop' ? void shutdown() : serve(m)));
  process.on('disconnect', () => void shutdown()); // the API process died: finish what is in flight, then go
  // a terminal's Ctrl-C or a group-wide SIGTERM reaches this process too: the parent decides when it stops
  process.on('SIGTERM', () => (process.connected ? undefined : void shutdown()));
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {}); // a group-wide SIGHUP: the parent reloads the rules and asks this process to follow
  await role.start();
}

main(process.argv[2] ?? 'embedded').catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 60, msg: 'pipeline process failed', err: String((err as Error)?.stack ?? err) })}\n`);
  process.exit(1);
});
