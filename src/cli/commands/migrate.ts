import { parseArgs } from 'node:util';
import { createLogger } from '../../log.js';
import { migrateStore } from '../../main/clickhouse.js';
import type { Command } from '../command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending ClickHouse migrations and reconcile retention',
  help: `Usage: sentinela migrate [--dir DIR]

Applies the pending migrations/NNN_name.sql files in order to CLICKHOUSE_DATABASE (creating it if needed),
records each in the schema_migrations table, then sets the TTL of cdrs and rejected_cdrs to CDR_RETENTION_DAYS.
Re-running is a no-op. A migration that was applied and then edited stops the command with exit code 1.
Talks to CLICKHOUSE_URL when set, otherwise to the embedded chDB under SENTINELA_DATA_DIR. With CLICKHOUSE_CLUSTER
the statements run ON CLUSTER: replicated tables, and cdrs, rejected_cdrs, alerts, blocks Distributed by tenant.

Options:
  --dir DIR   read migrations from DIR instead of the bundled migrations/ folder
  -h, --help  show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { dir: { type: 'string' } }, strict: true });
    const config = ctx.config();
    const log = createLogger(config.logLevel);
    const report = await migrateStore(config, log, values.dir);
    const target = config.clickhouse.mode === 'server' ? config.clickhouse.url : `chDB at ${config.clickhouse.dataDir}`;
    const cluster = config.clickhouse.cluster === undefined ? '' : ` (cluster ${config.clickhouse.cluster})`;
    ctx.stdout(`database ${config.clickhouse.database} on ${target}${cluster}`);
    for (const file of report.applied) ctx.stdout(`applied ${file}`);
    ctx.stdout(`${report.applied.length} applied, ${report.alreadyApplied} already applied`);
    for (const change of report.retention) ctx.stdout(change);
    log.info({ ...report }, 'migrations done');
    return 0;
  },
};
