import { parseArgs } from 'node:util';
import { ClickHouseHotlistStore } from '../../adapters/clickhouse/hotlist-store.js';
import { TENANT_NAME } from '../../domain/cdr/contract.js';
import { hotlistCsv } from '../../domain/lists/hotlist-formats.js';
import { parseDuration } from '../../domain/rules/duration.js';
import { SentinelaError } from '../../errors.js';
import { ipFeedPage } from '../../lists/feed.js';
import { Hotlists } from '../../lists/hotlists.js';
import { homeCallingCode } from '../../main/hotlists.js';
import { isReservedSource, RESERVED_SOURCE_PREFIXES, syncHotlist, type FeedFormat } from '../../lists/sync.js';
import type { Command } from '../command.js';
import { withSecurity } from '../security-context.js';

const FORMATS: readonly FeedFormat[] = ['csv', 'apiban'];

export const listsCommand: Command = {
  name: 'lists',
  summary: 'import (sync) and export shared hotlists of IPs and number ranges (CSV, APIBAN-style JSON)',
  help: `Usage: sentinela lists sync URL-OR-FILE [--format csv|apiban] [--tenant T] [--source NAME] [--ttl 7d]
       sentinela lists export [--format csv|apiban] [--since ID] [--tenant T]

sync imports hotlist entries. CSV columns: type,value,tenant,source,category,expires_at,reason (header
required; type ip or number; value an address, a CIDR block, or an E.164 number or prefix such as +2917;
tenant * for every tenant; expires_at ISO-8601, a duration such as 30d, or never). An APIBAN-style URL
(https://apiban.org/api/KEY/banned/{id}, or another Sentinela's /v1/lists/ips) is followed page by page
along its ID cursor until "no new bans"; the cursor is stored, so the next sync asks only for changes.
Bad rows are listed with their line and reason (exit 1), the good ones are stored. Entries covering an
emergency number (190, 112...) are refused. Every sync is audited with its counts and source.
Running servers apply imported entries within 2 s.

export prints the entries in effect: CSV, or an APIBAN-style page of IPs changed since --since.

Options:
  --format csv|apiban  default: csv for .csv files, apiban otherwise (sync); csv (export)
  --tenant T           sync: tenant of rows that name none (default * : every tenant); export: only T and *
  --source NAME        sync: the source recorded on every entry (default apiban, url:<host> or file:<name>;
                       not operator:… or alert:…, the sources of operators' and learned entries)
  --ttl DURATION       sync: entries without expires_at expire this long after the sync (default never)
  --since ID           export --format apiban: only changes after this ID
  -h, --help           show this help`,
  async run(args, ctx) {
    const [action, ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: { format: { type: 'string' }, tenant: { type: 'string' }, source: { type: 'string' }, ttl: { type: 'string' }, since: { type: 'string' } },
    });
    const format = values.format as FeedFormat | undefined;
    if (format !== undefined && !FORMATS.includes(format)) throw new SentinelaError('CLI_USAGE', '--format: csv or apiban');
    const tenantArg = values.tenant ?? '*';
    if (tenantArg !== '*' && !TENANT_NAME.test(tenantArg)) throw new SentinelaError('CLI_USAGE', '--tenant: a tenant name or *');
    const tenant = tenantArg === '*' ? '' : tenantArg;
    if (action === 'sync') {
      const from = positionals[0];
      if (!from || positionals.length > 1) throw new SentinelaError('CLI_USAGE', 'sync takes one URL or file');
      const ttlMs = values.ttl === undefined ? undefined : parseDuration(values.ttl);
      if (ttlMs === null) throw new SentinelaError('CLI_USAGE', '--ttl: a duration such as 12h or 7d');
      if (values.source !== undefined && isReservedSource(values.source)) {
        throw new SentinelaError(
          'CLI_USAGE',
          `--source: ${RESERVED_SOURCE_PREFIXES.join('… and ')}… name operators' and learned entries; a feed may not use them`,
        );
      }
      return withSecurity(ctx, { name: 'lists', args }, async (sec, by, clickhouse) => {
        const config = ctx.config();
        const store = new ClickHouseHotlistStore(clickhouse, config.clickhouse.database);
        const hotlists = new Hotlists({ store, audit: sec.audit, clock: Date.now, homeCountryCode: homeCallingCode(config) });
        const summary = await syncHotlist({ from, format, tenant, source: values.source, ttlMs, hotlists, store, by, clock: Date.now, progress: ctx.stderr });
        for (const r of summary.refused) ctx.stderr(`line ${r.line}: refused ${r.value}: ${r.reason}`);
        ctx.stdout(
          `${summary.feed}: ${summary.pages} page(s), ${summary.stored} entries stored, ${summary.removed > 0 ? `${summary.removed} ended (removed upstream), ` : ''}${summary.refused.length} refused (source ${summary.source}${summary.cursor ? `, cursor ${summary.cursor}` : ''})`,
        );
        return summary.refused.length > 0 ? 1 : 0;
      });
    }
    if (action === 'export') {
      if (positionals.length > 0) throw new SentinelaError('CLI_USAGE', 'export takes no arguments');
      if (values.since !== undefined && !/^\d{1,20}$/.test(values.since)) throw new SentinelaError('CLI_USAGE', '--since: the ID of a previous export');
      return withSecurity(ctx, { name: 'lists', args }, async (_sec, _by, clickhouse) => {
        const store = new ClickHouseHotlistStore(clickhouse, ctx.config().clickhouse.database);
        const tenants = values.tenant === undefined ? undefined : [tenant, ''];
        if ((format ?? 'csv') === 'csv') {
          const all = await store.search({ tenants, limit: 1_000_000, offset: 0 }, Date.now());
          ctx.stdout(hotlistCsv(all.items).trimEnd());
        } else {
          ctx.stdout(JSON.stringify(await ipFeedPage(store, { since: Number(values.since ?? 0), limit: 1_000_000, tenants }, Date.now())));
        }
        return 0;
      });
    }
    throw new SentinelaError('CLI_USAGE', 'expected sync or export');
  },
};
