import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClickHouseApiStore } from '../../../src/adapters/clickhouse/api-store.js';
import { readMigrations } from '../../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../../src/adapters/clickhouse/migrator.js';
import { statsQueries, type StatsQuery } from '../../../src/adapters/clickhouse/rollup-queries.js';
import { ClickHouseStore } from '../../../src/adapters/clickhouse/store.js';
import { loadRuleFiles } from '../../../src/adapters/files/rule-files.js';
import type { StatsRange } from '../../../src/api/ports.js';
import { parseConfig } from '../../../src/config/config.js';
import { DecisionCounts } from '../../../src/domain/blocks/decision-counts.js';
import { parseCdr } from '../../../src/domain/cdr/parse.js';
import { PendingBatch, storeSink } from '../../../src/pipeline/batch.js';
import { engineFactory } from '../../../src/main/parts.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// the rollups' TTL counts from the wall clock (30 days of minutes): seeded traffic must be recent, so the test's
// "now" is the start of the current hour, and everything is relative to it
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const CALLS_PER_HOUR = 48;
const DESTINATIONS = ['+551130002000', '+5511961234567', '+442079460000'];

/** 30 days of an operator's outbound calls, every `CALLS_PER_HOUR` an hour; a third without cost (estimated). */
function* traffic(days: number) {
  let n = 0;
  for (let hour = NOW - days * DAY; hour < NOW; hour += HOUR) {
    for (let i = 0; i < CALLS_PER_HOUR; i++) {
      const t = hour + Math.floor((i * HOUR) / CALLS_PER_HOUR);
      const answered = i % 4 !== 0;
      const parsed = parseCdr({
        id: `c${n++}`,
        tenant: 'acme',
        account: i % 3 === 0 ? 'vendas' : 'suporte',
        caller: `+5511300010${String(i % 40).padStart(2, '0')}`,
        callee: DESTINATIONS[i % 3] as string,
        srcIp: '200.160.9.9',
        startedAt: t,
        answeredAt: answered ? t : null,
        endedAt: t + 60_000,
        durationSec: 60,
        billSec: answered ? 60 : 0,
        disposition: answered ? 'ANSWERED' : 'NO ANSWER',
        ...(i % 3 === 2 ? {} : { cost: 0.12 }),
      });
      if (!parsed.ok) throw parsed.error;
      yield parsed.cdr;
    }
  }
}

describe('rollups: NOC charts without scanning the CDRs (chDB, or CLICKHOUSE_URL; issue 17)', () => {
  let ch: TestClickHouse;
  let api: ClickHouseApiStore;
  const batches: PendingBatch[] = [];
  let cdrCount = 0;
  const month: StatsRange = { from: NOW - 30 * DAY, to: NOW, step: 'hour' };

  before(async () => {
    ch = await createTestDatabase();
    await migrate(ch.client, { database: ch.database, retentionDays: 0, migrations: readMigrations() });
    api = new ClickHouseApiStore(ch.client, ch.database);
    // the processor's write path: the engine evaluates each CDR into a batch, the store sink writes it
    const engine = engineFactory(parseConfig({}), loadRuleFiles('rules'))();
    const sink = storeSink(new ClickHouseStore(ch.client, ch.database));
    let batch = new PendingBatch();
    for (const cdr of traffic(30)) {
      batch.evaluate(engine, cdr, { kind: 'http', topic: 'http', partition: 0, offset: cdrCount++, format: 'canonical' }, cdr.endedAt);
      if (batch.size === 5_000) {
        await sink(batch);
        batches.push(batch);
        batch = new PendingBatch();
      }
    }
    await sink(batch);
    batches.push(batch);
  });
  after(() => ch.drop());

  const stored = async () => {
    const [row] = await ch.rows<{ calls: string; answered: string; minutes: number; total: number; estimated: number }>(
      `SELECT count() AS calls, countIf(disposition = 'ANSWERED') AS answered, sum(bill_sec) / 60 AS minutes,
              sum(coalesce(cost, estimated_cost, 0)) AS total, sum(if(cost IS NULL, estimated_cost, 0)) AS estimated
       FROM ${ch.database}.cdrs FINAL WHERE status != 'leg'`,
    );
    return { calls: Number(row?.calls), answered: Number(row?.answered), minutes: row?.minutes ?? 0, cost: row?.total ?? 0, estimated: row?.estimated ?? 0 };
  };
  const sum = <T>(items: readonly T[], f: (x: T) => number) => items.reduce((a, x) => a + f(x), 0);
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 0.05 * Math.max(1, b / 100), `${what}: ${a} vs ${b}`);

  it('a 30-day chart adds up to the stored CDRs, costs estimated from the rate table where the CDR has none', async () => {
    const cdrs = await stored();
    assert.equal(cdrs.calls, cdrCount);
    assert.ok(cdrs.estimated > 0, 'CDRs without a cost carry the rate table estimate');
    const points = await api.traffic(month, false);
    assert.equal(points.length, 30 * 24, 'one point an hour');
    assert.equal(
      sum(points, (p) => p.calls),
      cdrs.calls,
    );
    assert.equal(
      sum(points, (p) => p.answered),
      cdrs.answered,
    );
    near(
      sum(points, (p) => p.billedMinutes),
      cdrs.minutes,
      'billed minutes',
    );
    near(
      sum(points, (p) => p.cost),
      cdrs.cost,
      'cost',
    );
    const byCountry = await api.traffic(month, true);
    assert.deepEqual([...new Set(byCountry.map((p) => p.country))].sort(), ['BR', 'GB']);
    assert.equal(
      sum(byCountry, (p) => p.calls),
      cdrs.calls,
    );
  });

  it('reads the hour rollup only, far fewer rows than the CDRs (EXPLAIN ESTIMATE: chDB reports no read_rows)', async (t) => {
    const explain = async (q: StatsQuery) =>
      (await ch.client.query({ query: `EXPLAIN ESTIMATE ${q.query}`, query_params: q.params, format: 'JSONEachRow' })).json<{
        table: string;
        rows: string;
      }>();
    const sql = statsQueries(ch.database);
    for (const q of [sql.traffic(month, true), sql.topAccounts(month, 10)]) {
      const read = await explain(q);
      assert.deepEqual(
        read.map((r) => r.table),
        ['traffic_hour'],
        'nothing but the rollup is read',
      );
      const rows = Number(read[0]?.rows);
      assert.ok(rows > 0 && rows * 10 < cdrCount, `${rows} rollup rows for ${cdrCount} CDRs`);
      t.diagnostic(`a 30-day chart reads ${rows} rows of traffic_hour; the CDRs are ${cdrCount}`);
    }
  });

  it('a retried insert of the same blocks is not counted again (deduplicated through the views)', async () => {
    const before = await api.traffic(month, false);
    const sink = storeSink(new ClickHouseStore(ch.client, ch.database));
    for (const batch of batches.slice(0, 2)) await sink(batch);
    assert.deepEqual(await api.traffic(month, false), before);
  });

  it('six hours are drawn minute by minute, with the same totals as the hours', async () => {
    const six: StatsRange = { from: NOW - 6 * HOUR, to: NOW, step: 'minute' };
    const minutes = await api.traffic(six, false);
    const hours = await api.traffic({ ...six, step: 'hour' }, false);
    assert.equal(minutes.length, 6 * CALLS_PER_HOUR, 'one point per minute with calls');
    assert.equal(
      sum(minutes, (p) => p.calls),
      sum(hours, (p) => p.calls),
    );
    near(
      sum(minutes, (p) => p.cost),
      sum(hours, (p) => p.cost),
      'cost',
    );
  });

  it('a month is drawn day by day (UTC days of the hour rollups), with the same totals as the hours', async () => {
    const day: StatsRange = { ...month, step: 'day' };
    const [days, hours] = [await api.traffic(day, false), await api.traffic(month, false)];
    assert.ok(days.length === 30 || days.length === 31, `${days.length} days`);
    assert.ok(
      days.every((p) => p.t % DAY === 0),
      'each point at the start of a UTC day',
    );
    assert.equal(
      sum(days, (p) => p.calls),
      sum(hours, (p) => p.calls),
    );
    near(
      sum(days, (p) => p.cost),
      sum(hours, (p) => p.cost),
      'cost',
    );
    const [alertDays, alertHours] = [await api.alertStats(day), await api.alertStats(month)];
    assert.equal(
      sum(alertDays, (p) => p.alerts),
      sum(alertHours, (p) => p.alerts),
    );
  });

  it('alerts and blocks per rule and severity; triage changes the rule effectiveness, not the alert counts', async () => {
    const [stored] = await ch.rows<{ alerts: string; blocks: string }>(
      `SELECT (SELECT count() FROM ${ch.database}.alerts FINAL) AS alerts, (SELECT count() FROM ${ch.database}.blocks FINAL) AS blocks`,
    );
    assert.ok(Number(stored?.alerts) > 0, 'the rules raised alerts on a month of traffic');
    const before = await api.alertStats(month);
    assert.equal(
      sum(before, (p) => p.alerts),
      Number(stored?.alerts),
    );
    assert.equal(
      sum(before, (p) => p.blocks),
      Number(stored?.blocks),
    );
    const alerts = (await api.searchAlerts({ limit: 3, offset: 0 })).items;
    await api.setAlertStatus(alerts[0]!, 'acknowledged', 'ana', NOW);
    await api.setAlertStatus(alerts[1]!, 'false_positive', 'ana', NOW);
    await api.setAlertStatus(alerts[2]!, 'confirmed', 'ana', NOW);
    assert.deepEqual(await api.alertStats(month), before, 'a triage change is a new version of an alert, not another alert');
    const rules = await api.ruleEffects(month);
    assert.equal(
      sum(rules, (r) => r.alerts),
      Number(stored?.alerts),
    );
    assert.equal(
      sum(rules, (r) => r.acknowledged),
      2,
    );
    assert.equal(
      sum(rules, (r) => r.falsePositives),
      1,
    );
    const triaged = rules.filter((r) => r.acknowledged + r.falsePositives > 0);
    for (const r of triaged) assert.equal(r.falsePositiveRate, Math.round((r.falsePositives / (r.acknowledged + r.falsePositives)) * 1000) / 1000);
  });

  it('block-check decisions per tenant and minute, summed over writes and replicas, and per hour', async () => {
    const replicas = [new DecisionCounts('replica-1'), new DecisionCounts('replica-2')];
    const at = NOW - 2 * HOUR + 5_000;
    for (const [i, counts] of replicas.entries()) {
      for (let n = 0; n < 10; n++) counts.add('acme', 'allow', at + n * 1000);
      counts.add('acme', 'throttle', at);
      counts.add('acme', 'block', at + 61_000);
      counts.add('globex', i === 0 ? 'fail-open' : 'fail-closed', at);
      counts.add('globex', 'shed', at);
    }
    const taken = replicas.map((counts) => counts.take());
    for (const tallies of taken) await api.insertDecisions(tallies);
    await api.insertDecisions(taken[0] ?? []); // a retried write: dropped; the other replica's equal rows were not
    const minutes = await api.decisionStats({ from: NOW - 3 * HOUR, to: NOW, step: 'minute' });
    assert.deepEqual(
      minutes.map((p) => [p.t - at + 5_000, p.allow, p.block, p.failOpen, p.failClosed, p.shed]),
      [
        [0, 22, 0, 1, 1, 2],
        [60_000, 0, 2, 0, 0, 0],
      ],
    );
    const acme = await api.decisionStats({ from: NOW - 3 * HOUR, to: NOW, step: 'hour', tenant: 'acme' });
    assert.deepEqual(
      acme.map((p) => [p.t, p.allow, p.block, p.shed]),
      [[NOW - 2 * HOUR, 22, 2, 0]],
    );
  });

  it('top accounts by cost, over one tenant or all', async () => {
    const top = await api.topAccounts(month, 10);
    assert.deepEqual(
      top.map((a) => [a.tenant, a.account]),
      [
        ['acme', 'suporte'],
        ['acme', 'vendas'],
      ],
    );
    assert.equal(
      sum(top, (a) => a.calls),
      cdrCount,
    );
    assert.ok((top[0]?.cost ?? 0) >= (top[1]?.cost ?? 0));
    assert.deepEqual(await api.topAccounts({ ...month, tenant: 'globex' }, 10), []);
  });
});
