import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ClickHouseApiStore } from '../../src/adapters/clickhouse/api-store.js';
import { readMigrations } from '../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../src/adapters/clickhouse/migrator.js';
import { ClickHouseStore } from '../../src/adapters/clickhouse/store.js';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { parseConfig } from '../../src/config/config.js';
import { DecisionCounts, SHED_TENANT } from '../../src/domain/blocks/decision-counts.js';
import { parseCdr } from '../../src/domain/cdr/parse.js';
import { SentinelaError } from '../../src/errors.js';
import { engineFactory } from '../../src/main/parts.js';
import { PendingBatch, storeSink } from '../../src/pipeline/batch.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { DASHBOARD_DIR, dashboards, expand, plotted, variablesOf } from './grafana-panels.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

const HOUR = 3_600_000;
// rollups expire by the wall clock (30 days of minutes): the seeded traffic is of the last two days
const NOW = Date.now();

/** Two days of two tenants' calls: Brazil throughout, premium-rate and satellite numbers, Britain only in the last 2 hours. */
function* traffic() {
  let n = 0;
  for (let t = NOW - 47 * HOUR; t < NOW - 60_000; t += 90_000) {
    const i = n++;
    const recent = t > NOW - 2 * HOUR;
    const callee = recent && i % 5 === 0 ? '+442079460000' : ['+551130002000', '+5511961234567', '+559001234567', '+870772345678'][i % 4];
    const parsed = parseCdr({
      id: `g${i}`,
      tenant: i % 3 === 0 ? 'globex' : 'acme',
      account: `conta-${i % 4}`,
      caller: `+5511300020${String(i % 50).padStart(2, '0')}`,
      callee: callee as string,
      srcIp: '200.160.9.9',
      startedAt: t,
      answeredAt: t,
      endedAt: t + 45_000,
      durationSec: 45,
      billSec: 45,
      disposition: 'ANSWERED',
    });
    if (!parsed.ok) throw parsed.error;
    yield parsed.cdr;
  }
}

describe('Grafana dashboards (deploy/grafana/dashboards): every panel runs on the schema and returns what it plots', () => {
  let ch: TestClickHouse;
  let tenants: string[] = [];

  before(async () => {
    ch = await createTestDatabase();
    await migrate(ch.client, { database: ch.database, retentionDays: 0, migrations: readMigrations() });
    const store = new ClickHouseStore(ch.client, ch.database);
    const engine = engineFactory(parseConfig({}), loadRuleFiles('rules'))();
    const batch = new PendingBatch();
    let offset = 0;
    for (const cdr of traffic()) batch.evaluate(engine, cdr, { kind: 'http', topic: 'http', partition: 0, offset: offset++, format: 'canonical' }, cdr.endedAt);
    const error = new SentinelaError('CDR_INVALID', 'not a CDR (seeded)', { path: 'callee' });
    batch.addRejected(Buffer.from('{"id":'), null, error, { kind: 'http', topic: 'http', partition: 0, offset, format: 'canonical' });
    await storeSink(store)(batch);
    const api = new ClickHouseApiStore(ch.client, ch.database);
    const counts = new DecisionCounts('grafana-test');
    for (const d of ['allow', 'allow', 'block', 'throttle', 'fail-open'] as const) counts.add('acme', d, NOW - HOUR);
    counts.add(SHED_TENANT, 'shed', NOW - HOUR); // as block-check counts a shed request: unauthenticated, no tenant
    await api.insertDecisions(counts.take());
    const open = (await api.searchAlerts({ limit: 2, offset: 0 })).items;
    assert.ok(open.length === 2, 'the seeded traffic raised alerts');
    await api.setAlertStatus(open[1] as (typeof open)[number], 'false_positive', 'ana', NOW);
    await ch.client.command({
      query: `INSERT INTO ${ch.database}.hotlist_entries (tenant, kind, value, source, id, category, reason, created_at, created_by, expires_at, removed_by, version)
              VALUES ('', 'number', '+44207946', 'operator:ana', 'h1', 'irsf', 'seeded', now64(3), 'ana', now64(3) + INTERVAL 1 DAY, '', 1),
                     ('globex', 'number', '+5511300', 'operator:ana', 'h2', 'irsf', 'seeded', now64(3), 'ana', now64(3) + INTERVAL 1 DAY, '', 1)`,
    });
  });
  after(() => ch.drop());

  it('are provisioned from this folder by docker-compose, through the datasource the provisioning defines', () => {
    const provider = parse(read('deploy/grafana/provisioning/dashboards/sentinela.yaml')) as { providers: { options: { path: string } }[] };
    const grafana = (parse(read('docker-compose.yml'), { merge: true }) as { services: { grafana: { volumes: string[] } } }).services.grafana;
    const mounts = grafana.volumes.map((v) => v.split(':'));
    assert.ok(mounts.some(([src, dst]) => src === `./${DASHBOARD_DIR}` && dst === provider.providers[0]?.options.path));
    assert.ok(mounts.some(([src, dst]) => src === './deploy/grafana/provisioning' && dst === '/etc/grafana/provisioning'));
    const datasource = (parse(read('deploy/grafana/provisioning/datasources/clickhouse.yaml')) as { datasources: { uid: string; type: string }[] })
      .datasources[0];
    assert.deepEqual(
      dashboards.map((d) => d.file),
      ['destinations.json', 'fraud.json', 'overview.json'],
    );
    for (const { dashboard } of dashboards) {
      for (const panel of dashboard.panels) {
        for (const target of panel.targets)
          assert.deepEqual(target.datasource, { type: datasource?.type, uid: datasource?.uid }, `${dashboard.title} / ${panel.title}`);
        assert.ok(plotted(panel).length > (panel.type === 'timeseries' ? 1 : 0), `${panel.title} names the columns it plots`);
      }
    }
  });

  it('the tenant variable lists the tenants that have traffic', async () => {
    for (const { dashboard } of dashboards) {
      const variable = dashboard.templating.list.find((v) => v.name === 'tenant');
      assert.ok(variable, `${dashboard.title} has a tenant variable`);
      const rows = await ch.rows<{ tenant: string }>(expand(variable.query, { from: 0, to: NOW, intervalS: 60, vars: {}, database: ch.database }));
      tenants = rows.map((r) => r.tenant);
      assert.deepEqual(tenants, ['acme', 'globex']);
    }
  });

  /** The rows of one panel (its first target) over the last 2 days, `vars` as a URL or the selectors would set them. */
  const panelRows = async (title: string, vars: Record<string, string[]>) => {
    const panel = dashboards.flatMap((d) => d.dashboard.panels).find((p) => p.title === title);
    assert.ok(panel, title);
    return ch.rows<Record<string, unknown>>(
      expand(panel.targets[0]?.rawSql ?? '', { from: NOW - 48 * HOUR, to: NOW, intervalS: 300, vars, database: ch.database }),
    );
  };

  it('every table a panel reads that has tenants is narrowed by the tenant variable', async () => {
    const withTenant = new Set(
      (await ch.rows<{ table: string }>(`SELECT table FROM system.columns WHERE database = {db:String} AND name = 'tenant'`, { db: ch.database })).map(
        (r) => r.table,
      ),
    );
    assert.ok(withTenant.has('hotlist_entries') && !withTenant.has('rejected_minute'));
    for (const { dashboard } of dashboards) {
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) {
          // each FROM up to the next one (or the end): the reads of one SELECT, its WHERE included
          const reads = target.rawSql.split(/(?=\bFROM sentinela\.)/).slice(1);
          for (const read of reads) {
            const table = /^FROM sentinela\.(\w+)/.exec(read)?.[1] ?? '';
            if (withTenant.has(table)) assert.match(read, /\$\{tenant:singlequote\}/, `${dashboard.title} / ${panel.title}: ${table} read for every tenant`);
          }
        }
      }
    }
  });

  it("a tenant's hotlisted range flags that tenant's calls only; a global entry every tenant's", async () => {
    const ranges = async (tenant: string) => (await panelRows('Premium-rate and IRSF ranges called', { tenant: [tenant] })).map((r) => r['range']);
    assert.ok((await ranges('globex')).includes('+551130'), "globex's own entry");
    assert.ok(!(await ranges('acme')).includes('+551130'), "not globex's entry on acme's calls");
    assert.ok((await ranges('acme')).includes('+442079'), 'the global entry');
  });

  it('A13: callers are masked in every panel, whatever a URL sets (no variable but the tenant exists)', async () => {
    for (const { dashboard } of dashboards) {
      assert.deepEqual(
        dashboard.templating.list.map((v) => v.name),
        ['tenant'],
      );
      for (const panel of dashboard.panels)
        for (const target of panel.targets)
          assert.deepEqual(
            variablesOf(target.rawSql).filter((v) => v !== 'tenant'),
            [],
            panel.title,
          );
    }
    const vars = { tenant: tenants, mask: ['0'] }; // ?var-mask=0, as the old selector took it
    const subjects = [...(await panelRows('Open critical alerts', vars)), ...(await panelRows('Blocks in force', vars))]
      .map((r) => String(r['subject']))
      .filter((s) => s.startsWith('caller:'));
    assert.ok(subjects.length > 0, 'the seeded traffic raised alerts or blocks on callers');
    for (const s of subjects) assert.match(s, /^caller:[^0-9]*[0-9]{0,2}$/, 'all digits but the last two masked');
  });

  it('shed block-check answers (counted under no tenant) are shown whatever the tenant selection', async () => {
    for (const tenant of [['acme'], ['globex'], tenants]) {
      const rows = await panelRows('Block-check decisions', { tenant });
      assert.equal(
        rows.reduce((n, r) => n + Number(r['shed']), 0),
        1,
        tenant.join(','),
      );
    }
  });

  for (const { file, dashboard } of dashboards) {
    for (const panel of dashboard.panels) {
      it(`${file}: "${panel.title}" runs over 6 hours (minute rollups) and 2 days (hour rollups)`, async () => {
        let rows = 0;
        for (const [from, intervalS] of [
          [NOW - 6 * HOUR, 30],
          [NOW - 48 * HOUR, 300],
        ] as const) {
          for (const target of panel.targets) {
            const sql = expand(target.rawSql, { from, to: NOW, intervalS, vars: { tenant: tenants }, database: ch.database });
            assert.doesNotMatch(sql, /\$/, `every macro and variable expanded: ${sql}`);
            const answer = await ch.client.query({ query: sql, format: 'JSON' });
            const result = await answer.json<Record<string, unknown>>();
            const columns = (result.meta ?? []).map((m) => m.name);
            for (const column of plotted(panel)) assert.ok(columns.includes(column), `${panel.title}: column ${column} in ${columns.join(', ')}`);
            rows += result.data.length;
            if (panel.type === 'timeseries')
              assert.deepEqual(
                result.data.map((r) => r['time']),
                result.data.map((r) => r['time']).sort(),
                'time ascending',
              );
          }
        }
        assert.ok(rows > 0, `${panel.title} shows something on the seeded data`);
      });
    }
  }
});
