import type { ClickHouseClient } from '@clickhouse/client';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import type { Logger } from 'pino';
import { ClickHouseHotlistStore } from '../adapters/clickhouse/hotlist-store.js';
import type { Config } from '../config/config.js';
import { HotlistHolder } from '../domain/lists/hotlist.js';
import type { HotlistStore } from '../lists/ports.js';
import { HotlistRefresher } from '../lists/refresh.js';

/**
 * Every role's hotlists (issue 16): an index in memory, loaded at start and reloaded from ClickHouse when an entry
 * changes (HotlistRefresher). Chosen over the blocks topic: an APIBAN import is thousands of entries, the processor
 * does not consume that topic, and one probe query per 2 s per process costs less than publishing every entry;
 * the embedded mode and Kafka mode work the same way.
 */
export function hotlistParts(o: { store: HotlistStore; clock: () => number; log: Logger }) {
  const holder = new HotlistHolder();
  const refresher = new HotlistRefresher({ store: o.store, holder, clock: o.clock, log: o.log });
  return {
    holder,
    refresher,
    store: o.store,
    /** First load (a failure leaves the lists empty, logged, and the periodic reload retries), then the timer. */
    async start(): Promise<void> {
      await refresher.load(true).catch((err: unknown) => o.log.warn({ err }, 'hotlists could not be loaded; retrying every 2 s'));
      refresher.start();
    },
    stop: () => refresher.stop(),
  };
}
export type HotlistParts = ReturnType<typeof hotlistParts>;

export function clickhouseHotlists(clickhouse: ClickHouseClient, config: Config, log: Logger, clock: () => number = Date.now): HotlistParts {
  return hotlistParts({ store: new ClickHouseHotlistStore(clickhouse, config.clickhouse.database), clock, log });
}

/** The home country's calling code: hotlist entries never cover its emergency numbers written in E.164 (+55190). */
export function homeCallingCode(config: Config): string {
  try {
    return getCountryCallingCode(config.dialling.homeCountry as CountryCode);
  } catch {
    return '';
  }
}
