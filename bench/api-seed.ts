/**
 * bench:api helper, run as its own process (one process may open a chDB directory): migrates the database under
 * SENTINELA_DATA_DIR and inserts BENCH_BLOCKS active blocks (callers, IPs and destination prefixes of 40
 * tenants), then exits so the server can open the directory.
 */
import { createClickHouseClient } from '../src/adapters/clickhouse/client.js';
import { readMigrations } from '../src/adapters/clickhouse/migrations.js';
import { migrate } from '../src/adapters/clickhouse/migrator.js';

const dataDir = process.env['SENTINELA_DATA_DIR'] ?? './data';
const blocks = Number(process.env['BENCH_BLOCKS'] ?? 1_000_000);
const client = createClickHouseClient({ mode: 'embedded', dataDir });
await migrate(client, { database: 'sentinela', retentionDays: 0, migrations: readMigrations() });
await client.command({
  query: `INSERT INTO sentinela.blocks (id, tenant, subject_kind, subject_value, rule, reason, level, scope, starts_at, expires_at, source, version)
          SELECT concat('seed-', toString(number)), concat('t', toString(number % 40)),
                 ['caller', 'ip', 'destPrefix'][1 + (number % 3)],
                 multiIf(number % 3 = 0, concat('+5511', leftPad(toString(number), 8, '0')),
                         number % 3 = 1, concat('10.', toString(intDiv(number, 65536) % 256), '.', toString(intDiv(number, 256) % 256), '.', toString(number % 256)),
                         concat('+', toString(100000 + number % 900000))),
                 'velocity-caller', 'seeded for bench:api', 1, 'all', now64(3) - INTERVAL 1 MINUTE, now64(3) + INTERVAL 1 DAY, 'rule', 0
          FROM numbers(${blocks})`,
});
await client.close();
process.stdout.write(`seeded ${blocks} blocks\n`);
