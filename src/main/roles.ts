import { ClickHouseApiStore } from '../adapters/clickhouse/api-store.js';
import { ClickHouseSecurityStore } from '../adapters/clickhouse/security-store.js';
import { ClickHouseHotlistStore } from '../adapters/clickhouse/hotlist-store.js';
import { loadRuleFiles } from '../adapters/files/rule-files.js';
import { buildApp } from '../adapters/http/app.js';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { PipelineHost } from '../ipc/pipeline-host.js';
import { createLogger } from '../log.js';
import { composeApi } from './api.js';
import { auditKey, instanceId } from './audit-key.js';
import { openClickHouse } from './clickhouse.js';
import { composeProcessor, type ComposedProcessor } from './processor.js';
import { RuleReloader } from '../adapters/files/rule-reload.js';
import { ClickHouseStore } from '../adapters/clickhouse/store.js';
import { storedComparer } from './compare.js';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import { AuditTrail } from '../security/audit-trail.js';
import { configFingerprint } from '../security/config-fingerprint.js';
import type { ClickHouseClient } from '@clickhouse/client';

export const ROLES = ['processor', 'api', 'all'] as const;
export type Role = (typeof ROLES)[number];

/** `sentinela start --role …`: wires and starts one role; resolves to its graceful stop. */
export async function startRole(role: Role, config: Config): Promise<{ log: Logger; stop: () => Promise<void> }> {
  const log = createLogger(config.logLevel, 1, { maskCallers: config.security.maskCallers });
  const ruleFiles = loadRuleFiles(config.rules.dir);
  const listen = { host: config.http.host, port: config.http.port };

  if (role === 'processor' && config.kafka) {
    const clickhouse = await openClickHouse(config, log);
    const processor = composeProcessor({ config, kafka: config.kafka, ruleFiles, clickhouse, log });
    const app = await buildApp({ log, registry: processor.metrics.registry, health: processor.health });
    await app.listen(listen);
    const rules = await startedOrClosed(log, [() => processor.stop(), () => app.close(), () => clickhouse.close()], async () => {
      await processor.start();
      const reloader = await processorReloader(config, ruleFiles, clickhouse, processor, log);
      reloader.start();
      return reloader;
    });
    log.info({ topics: config.kafka.cdrTopics.map((t) => t.topic), group: config.kafka.groupId, rules: ruleFiles.rules.length }, 'processor started');
    const stop = async () => {
      const reloads = rules.stop();
      await processor.stop(); // a reload's state rebuild ends with the pipeline
      await reloads;
      await app.close();
      await clickhouse.close();
    };
    return { log, stop };
  }

  // `all`: the pipeline in a child process, which owns chDB in the embedded mode; `api`: this process alone
  const host = role === 'all' ? await PipelineHost.start(config.kafka ? 'kafka' : 'embedded', log, ruleFiles) : undefined;
  const clickhouse = host ? undefined : await openClickHouse(config, log);
  const stores = clickhouse
    ? {
        store: new ClickHouseApiStore(clickhouse, config.clickhouse.database),
        securityStore: new ClickHouseSecurityStore(clickhouse, config.clickhouse.database),
        hotlistStore: new ClickHouseHotlistStore(clickhouse, config.clickhouse.database),
      }
    : { store: (host as PipelineHost).store, securityStore: (host as PipelineHost).securityStore, hotlistStore: (host as PipelineHost).hotlistStore };
  const api = await composeApi({
    config,
    ruleFiles,
    log,
    ...stores,
    audit: { key: auditKey(config), chain: `api:${instanceId(config)}` },
    embedded: host && !config.kafka ? { ingest: host.ingest, feed: host } : undefined,
    storeReady: host ? () => host.ready() : undefined,
    pipelineHealth: host ? () => host.health() : undefined,
    moreMetrics: host ? () => host.metricsText() : undefined,
    comparer: clickhouse ? storedComparer({ config, store: new ClickHouseStore(clickhouse, config.clickhouse.database), clock: Date.now }) : host?.comparer,
    reloadPipeline: host ? (next) => host.reloadRules(next) : undefined,
  });
  await api.app.listen(listen); // /readyz answers with the reason meanwhile
  // embedded: the block table loads while the child rebuilds its rule state (issue 19): each is one process's CPU
  // work after a ~1 s chDB read, so on two cores they overlap. /readyz waits for both (the table: `loaded`)
  const closeAll = [() => api.app.close(), () => api.stop(), async () => host?.stop(), async () => clickhouse?.close()];
  await startedOrClosed(log, closeAll, () => Promise.all([host && !config.kafka ? host.ready() : undefined, api.start()]));
  log.info(
    { role, mode: config.kafka ? 'kafka' : 'embedded', port: config.http.port, blocks: api.table.size, failPolicy: config.api.failPolicy },
    'api started',
  );
  const stop = async () => {
    await api.app.close();
    await api.stop();
    await host?.stop();
    await clickhouse?.close();
  };
  return { log, stop };
}

/**
 * Runs what a start does once the server listens; if it fails, closes what was opened and fails: a process left
 * listening would answer /readyz 503 forever instead of exiting for its supervisor to restart it.
 */
async function startedOrClosed<T>(log: Logger, close: readonly (() => Promise<unknown>)[], start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    log.error({ err }, 'start failed: closing what it opened');
    for (const step of close) await step().catch((e: unknown) => log.warn({ err: e }, 'closing after a failed start'));
    throw err;
  }
}

/**
 * A processor's hot reload: audited on its own chain `processor:<instance>`, counted on its metrics. Each start
 * records `config.loaded` there: its rule set digest is the `from` of the next reload.
 */
async function processorReloader(config: Config, initial: RuleFiles, clickhouse: ClickHouseClient, processor: ComposedProcessor, log: Logger) {
  const audit = new AuditTrail({
    store: new ClickHouseSecurityStore(clickhouse, config.clickhouse.database),
    key: auditKey(config),
    chain: `processor:${instanceId(config)}`,
    clock: Date.now,
    log,
    quota: config.security.auditQuota,
  });
  // reloads are rare: the A4 switches are read at each record (this process runs no security timers)
  const record = async (type: 'config.loaded' | 'rules.reload', result: 'success' | 'failure', details: Record<string, unknown>) => {
    await audit.loadSwitches();
    await audit.record({ type, actor: 'system', ip: '', result, details });
  };
  await record('config.loaded', 'success', configFingerprint(config, initial));
  return new RuleReloader({
    initial,
    log,
    registry: processor.metrics.registry,
    apply: (next) => processor.reload(next),
    audit: (result, details) => record('rules.reload', result, details),
  });
}
