import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createClickHouseClient } from '../../adapters/clickhouse/client.js';
import { readMigrations } from '../../adapters/clickhouse/migrations.js';
import { migrate } from '../../adapters/clickhouse/migrator.js';
import { loadRuleFiles } from '../../adapters/files/rule-files.js';
import { buildApp } from '../../adapters/http/app.js';
import { SentinelaError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { composeProcessor } from '../../processor/compose.js';
import type { Command } from '../command.js';

export const startCommand: Command = {
  name: 'start',
  summary: 'run the stream processor (Kafka → rules → ClickHouse) with /metrics, /healthz and /readyz',
  help: `Usage: sentinela start [--role processor]

Joins the consumer group KAFKA_GROUP_ID on KAFKA_CDR_TOPICS, decodes each message by its topic's format,
evaluates the rules and persists CDRs, alerts and blocks to ClickHouse in batches, publishing blocks and alerts
to KAFKA_BLOCKS_TOPIC / KAFKA_ALERTS_TOPIC and refused records to KAFKA_DLQ_TOPIC. Offsets are committed only
after a batch is persisted. Serves /metrics (Prometheus), /healthz and /readyz on SENTINELA_HOST:SENTINELA_PORT.
Logs are pino JSON on stdout. SIGTERM or SIGINT: the in-flight batch is persisted and committed, then the
processor leaves the group.

Options:
  --role processor   the only role so far (the PBX-facing API comes with the HTTP API)
  -h, --help         show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { role: { type: 'string', default: 'processor' } }, strict: true });
    if (values.role !== 'processor') throw new SentinelaError('CLI_USAGE', `--role ${values.role}: only "processor" exists so far`);
    const config = ctx.config();
    if (!config.kafka) throw new SentinelaError('CONFIG_INVALID', 'KAFKA_BROKERS: required by the processor (host:port list)', { path: 'KAFKA_BROKERS' });
    const log = createLogger(config.logLevel, 1);
    const ruleFiles = loadRuleFiles(config.rules.dir);
    const clickhouse = createClickHouseClient(config.clickhouse);
    if (config.migrateOnStart) {
      await migrate(clickhouse, { database: config.clickhouse.database, retentionDays: config.clickhouse.retentionDays, migrations: readMigrations(), log });
    }
    const { processor, publisher, metrics } = composeProcessor({ config, kafka: config.kafka, ruleFiles, clickhouse, log });
    const app = await buildApp({ log, registry: metrics.registry, health: () => processor.health() });
    await app.listen({ host: config.http.host, port: config.http.port });
    await publisher.connect();
    await processor.start();
    log.info({ topics: config.kafka.cdrTopics.map((t) => t.topic), group: config.kafka.groupId, rules: ruleFiles.rules.length }, 'processor started');
    const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    log.info({ signal }, 'shutting down');
    await processor.stop();
    await publisher.disconnect();
    await app.close();
    await clickhouse.close();
    return 0;
  },
};
