import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { ClickHouseApiStore } from '../../adapters/clickhouse/api-store.js';
import { ClickHouseSecurityStore } from '../../adapters/clickhouse/security-store.js';
import { auditKey, instanceId } from '../../runtime/audit-key.js';
import { loadRuleFiles } from '../../adapters/files/rule-files.js';
import { buildApp } from '../../adapters/http/app.js';
import { createKafka } from '../../adapters/kafka/client.js';
import { KafkaPublisher } from '../../adapters/kafka/publisher.js';
import { composeApi } from '../../api/compose.js';
import { SentinelaError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { composeProcessor } from '../../processor/compose.js';
import { openClickHouse } from '../../runtime/clickhouse.js';
import { PipelineHost } from '../../runtime/pipeline-host.js';
import type { BlockRecord } from '../../domain/blocks/record.js';
import type { Command } from '../command.js';

const ROLES = ['processor', 'api', 'all'] as const;
type Role = (typeof ROLES)[number];

export const startCommand: Command = {
  name: 'start',
  summary: 'run Sentinela: the stream processor, the PBX-facing API, or both (embedded mode without Kafka)',
  help: `Usage: sentinela start [--role processor|api|all]

  processor  joins KAFKA_GROUP_ID on KAFKA_CDR_TOPICS, evaluates the rules and persists CDRs, alerts and blocks
             to ClickHouse, publishing blocks and alerts to KAFKA_BLOCKS_TOPIC / KAFKA_ALERTS_TOPIC and refused
             records to KAFKA_DLQ_TOPIC; offsets are committed only after a batch is persisted.
  api        block-check for PBXes (GET/POST /v1/block-check) answered from memory, the admin API and /docs;
             bootstraps active blocks from ClickHouse, then follows KAFKA_BLOCKS_TOPIC.
  all        both; the pipeline runs in a child process so it never holds the block-check event loop.
             The default. Without KAFKA_BROKERS this is the embedded mode: chDB under SENTINELA_DATA_DIR, CDRs
             taken from POST /v1/cdrs (and \`sentinela replay --to http://…\`).

Serves /metrics, /healthz and /readyz on SENTINELA_HOST:SENTINELA_PORT. Logs are pino JSON (stdout; the
pipeline child logs to stderr). SIGTERM or SIGINT: in-flight work is persisted, then the process exits.

Options:
  --role ROLE   processor, api or all (default all)
  -h, --help    show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { role: { type: 'string', default: 'all' } }, strict: true });
    const role = values.role as Role;
    if (!(ROLES as readonly string[]).includes(role)) throw new SentinelaError('CLI_USAGE', `--role ${values.role}: expected one of ${ROLES.join(', ')}`);
    const config = ctx.config();
    if (!config.kafka && role !== 'all') {
      throw new SentinelaError('CONFIG_INVALID', `KAFKA_BROKERS: required by --role ${role} (host:port list); without it only the embedded mode (--role all) runs`, { path: 'KAFKA_BROKERS' });
    }
    const log = createLogger(config.logLevel, 1, { maskCallers: config.security.maskCallers });
    const ruleFiles = loadRuleFiles(config.rules.dir);
    const stops: (() => Promise<void>)[] = [];

    if (role === 'processor' && config.kafka) {
      const clickhouse = await openClickHouse(config, log);
      const { processor, publisher, metrics } = composeProcessor({ config, kafka: config.kafka, ruleFiles, clickhouse, log });
      const app = await buildApp({ log, registry: metrics.registry, health: () => processor.health() });
      await app.listen({ host: config.http.host, port: config.http.port });
      await publisher.connect();
      await processor.start();
      log.info({ topics: config.kafka.cdrTopics.map((t) => t.topic), group: config.kafka.groupId, rules: ruleFiles.rules.length }, 'processor started');
      stops.push(() => processor.stop(), () => publisher.disconnect(), () => app.close(), () => clickhouse.close());
    } else {
      // the pipeline may report blocks before the API exists: they are in ClickHouse, and the bootstrap reads them
      const early: { apply?: (records: readonly BlockRecord[]) => void } = {};
      const host = role === 'all' ? await PipelineHost.start(config.kafka ? 'kafka' : 'embedded', log, (records) => early.apply?.(records)) : undefined;
      const clickhouse = host ? undefined : await openClickHouse(config, log);
      const kafka = config.kafka ? { kafka: createKafka(config.kafka, log), config: config.kafka } : undefined;
      const publisher = kafka ? new KafkaPublisher(kafka.kafka) : undefined;
      const api = await composeApi({
        config, ruleFiles, log,
        store: host ? host.store : new ClickHouseApiStore(clickhouse as NonNullable<typeof clickhouse>, config.clickhouse.database),
        securityStore: host ? host.securityStore : new ClickHouseSecurityStore(clickhouse as NonNullable<typeof clickhouse>, config.clickhouse.database),
        audit: { key: auditKey(config), chain: `api:${instanceId(config)}` },
        kafka: kafka && publisher ? { ...kafka, publisher } : undefined,
        ingest: host && !config.kafka ? host.ingest : undefined,
        pipelineHealth: host ? () => host.health() : undefined,
        moreMetrics: host ? () => host.metricsText() : undefined,
      });
      early.apply = (records) => api.applyBlocks(records);
      if (host) host.onCritical = (alerts) => api.alarmCritical(alerts);
      await api.app.listen({ host: config.http.host, port: config.http.port });
      await api.start();
      const a = api;
      log.info({ role, mode: config.kafka ? 'kafka' : 'embedded', port: config.http.port, blocks: a.table.size, failPolicy: config.api.failPolicy }, 'api started');
      stops.push(() => a.app.close(), () => a.stop(), async () => publisher?.disconnect(), async () => host?.stop(), async () => clickhouse?.close());
    }
    const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    log.info({ signal }, 'shutting down');
    for (const stop of stops) await stop();
    return 0;
  },
};
