import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { ClickHouseSecurityStore } from '../adapters/clickhouse/security-store.js';
import type { Config } from '../config/config.js';
import { composeSecurity, type Security } from '../security/security.js';
import { auditKey, instanceId } from './audit-key.js';
import { openClickHouse } from './clickhouse.js';

/** The security services of a CLI command on this process's ClickHouse, writing its own audit chain `cli:<instance>`. */
export async function openCliSecurity(config: Config, log: Logger): Promise<{ security: Security; close: () => Promise<void>; clickhouse: ClickHouseClient }> {
  const clickhouse = await openClickHouse(config, log);
  const security = composeSecurity({
    store: new ClickHouseSecurityStore(clickhouse, config.clickhouse.database),
    clock: Date.now,
    log,
    config: {
      auditKey: auditKey(config),
      chain: `cli:${instanceId(config)}`,
      auditQuota: config.security.auditQuota,
      auditVerify: config.security.auditVerify,
      alarmWebhook: config.security.alarmWebhook,
    },
  });
  return { security, close: () => clickhouse.close(), clickhouse };
}
