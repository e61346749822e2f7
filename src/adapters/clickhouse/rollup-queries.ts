import type { ClickHouseClient } from '@clickhouse/client';
import type { AccountCost, AlertPoint, DecisionPoint, RuleEffect, StatsRange, StatsStore, TrafficPoint } from '../../api/ports.js';
import { ident } from './client.js';
import { selectRows } from './queries.js';

/** A statement and its bound parameters (values are never concatenated into the SQL). */
export interface StatsQuery {
  readonly query: string;
  readonly params: Record<string, unknown>;
}

/**
 * The SQL of each NOC chart. Time series read only the rollups (`<name>_minute` or `<name>_hour`, the step being one
 * of two names, never user text), so a 30-day chart reads some thousands of summed rows, not the CDRs.
 */
export function statsQueries(database: string) {
  const db = ident(database);
  const range = (column: string) =>
    `${column} >= toDateTime({from:Int64}, 'UTC') AND ${column} < toDateTime({to:Int64}, 'UTC')
     AND ({tenant:Nullable(String)} IS NULL OR tenant = {tenant:Nullable(String)})`;
  /** The minute or the hour rollup (both names spelled out: test/adapters/clickhouse/table-names.test.ts reads them). */
  const pick = (q: StatsRange, minute: string, hour: string) => (q.step === 'minute' ? minute : hour);
  /** The rollup's time column, and the start of a point's step: that column, or the UTC day of the hours. */
  const time = (q: StatsRange) => pick(q, 'minute', 'hour');
  const bucket = (q: StatsRange) => (q.step === 'day' ? 'toStartOfDay(hour)' : q.step);
  const params = (q: StatsRange, more: Record<string, unknown> = {}) => ({
    from: Math.floor(floorTo(q.from, q.step) / 1000),
    to: Math.ceil(q.to / 1000),
    tenant: q.tenant ?? null,
    ...more,
  });
  return {
    traffic: (q: StatsRange, byCountry: boolean): StatsQuery => ({
      query: `SELECT toUnixTimestamp(${bucket(q)}) * 1000 AS t, ${byCountry ? 'callee_country AS country,' : ''}
                sum(calls) AS calls, sum(answered) AS answered, sum(billed_sec) / 60 AS billed_minutes, sum(cost) AS cost
              FROM ${pick(q, `${db}.traffic_minute`, `${db}.traffic_hour`)} WHERE ${range(time(q))}
              GROUP BY t${byCountry ? ', country' : ''} ORDER BY t${byCountry ? ', country' : ''}`,
      params: params(q),
    }),
    alertStats: (q: StatsRange): StatsQuery => ({
      query: `SELECT toUnixTimestamp(${bucket(q)}) * 1000 AS t, rule, severity, sum(alerts) AS alerts, sum(blocks) AS blocks
              FROM ${pick(q, `${db}.alert_stats_minute`, `${db}.alert_stats_hour`)} WHERE ${range(time(q))}
              GROUP BY t, rule, severity ORDER BY t, rule, severity`,
      params: params(q),
    }),
    ruleEffects: (q: StatsRange): StatsQuery => ({
      query: `SELECT rule, count() AS alerts, countIf(status IN ('acknowledged', 'confirmed')) AS acknowledged,
                countIf(status = 'false_positive') AS false_positives
              FROM ${db}.alerts FINAL WHERE ${range('at')}
              GROUP BY rule ORDER BY alerts DESC, rule`,
      params: params(q),
    }),
    decisionStats: (q: StatsRange): StatsQuery => ({
      query: `SELECT toUnixTimestamp(${bucket(q)}) * 1000 AS t, sum(allow) + sum(throttle) AS allow, sum(block) AS block,
                sum(fail_open) AS fail_open, sum(fail_closed) AS fail_closed, sum(shed) AS shed
              FROM ${pick(q, `${db}.decisions_minute`, `${db}.decisions_hour`)} WHERE ${range(time(q))}
              GROUP BY t ORDER BY t`,
      params: params(q),
    }),
    topAccounts: (q: StatsRange, limit: number): StatsQuery => ({
      query: `SELECT tenant, account, sum(calls) AS calls, sum(cost) AS cost
              FROM ${pick(q, `${db}.traffic_minute`, `${db}.traffic_hour`)} WHERE ${range(time(q))}
              GROUP BY tenant, account ORDER BY cost DESC, calls DESC, tenant, account LIMIT {limit:UInt32}`,
      params: params(q, { limit }),
    }),
  };
}

const STEP_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/** The start of the rollup bucket holding `ms`: a chart from 10:17 with an hourly step starts with the 10:00 bucket. */
const floorTo = (ms: number, step: StatsRange['step']): number => ms - (((ms % STEP_MS[step]) + STEP_MS[step]) % STEP_MS[step]);

/** ClickHouse sends 64-bit integers as text in JSON; every figure here is far below 2^53. */
const num = (v: unknown): number => Number(v);
const round2 = (v: unknown): number => Math.round(Number(v) * 100) / 100;

/** The NOC charts on ClickHouse (StatsStore). */
export class ClickHouseStats implements StatsStore {
  private readonly sql: ReturnType<typeof statsQueries>;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.sql = statsQueries(database);
  }

  async traffic(q: StatsRange, byCountry: boolean): Promise<TrafficPoint[]> {
    const rows = await this.rows<Record<string, unknown>>(this.sql.traffic(q, byCountry), 'traffic stats');
    return rows.map((r) => ({
      t: num(r['t']),
      calls: num(r['calls']),
      answered: num(r['answered']),
      billedMinutes: round2(r['billed_minutes']),
      cost: round2(r['cost']),
      ...(byCountry ? { country: String(r['country']) } : {}),
    }));
  }

  async alertStats(q: StatsRange): Promise<AlertPoint[]> {
    const rows = await this.rows<Record<string, unknown>>(this.sql.alertStats(q), 'alert stats');
    return rows.map((r) => ({ t: num(r['t']), rule: String(r['rule']), severity: String(r['severity']), alerts: num(r['alerts']), blocks: num(r['blocks']) }));
  }

  async ruleEffects(q: StatsRange): Promise<RuleEffect[]> {
    const rows = await this.rows<Record<string, unknown>>(this.sql.ruleEffects(q), 'rule stats');
    return rows.map((r) => {
      const [acknowledged, falsePositives] = [num(r['acknowledged']), num(r['false_positives'])];
      const triaged = acknowledged + falsePositives;
      return {
        rule: String(r['rule']),
        alerts: num(r['alerts']),
        acknowledged,
        falsePositives,
        falsePositiveRate: triaged === 0 ? 0 : Math.round((falsePositives / triaged) * 1000) / 1000,
      };
    });
  }

  async decisionStats(q: StatsRange): Promise<DecisionPoint[]> {
    const rows = await this.rows<Record<string, unknown>>(this.sql.decisionStats(q), 'decision stats');
    return rows.map((r) => ({
      t: num(r['t']),
      allow: num(r['allow']),
      block: num(r['block']),
      failOpen: num(r['fail_open']),
      failClosed: num(r['fail_closed']),
      shed: num(r['shed']),
    }));
  }

  async topAccounts(q: StatsRange, limit: number): Promise<AccountCost[]> {
    const rows = await this.rows<Record<string, unknown>>(this.sql.topAccounts(q, limit), 'top accounts');
    return rows.map((r) => ({ tenant: String(r['tenant']), account: String(r['account']), calls: num(r['calls']), cost: round2(r['cost']) }));
  }

  private rows<T>(q: StatsQuery, context: string): Promise<T[]> {
    return selectRows<T>(this.client, q.query, q.params, context);
  }
}
