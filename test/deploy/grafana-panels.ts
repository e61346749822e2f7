import { readdirSync, readFileSync } from 'node:fs';

export const DASHBOARD_DIR = 'deploy/grafana/dashboards';
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** Sentinela's Grafana dashboards as their JSON says (what the test and bench/render-dashboard.ts read). */
export interface Target {
  rawSql: string;
  queryType: string;
  datasource: { type: string; uid: string };
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
  fieldConfig: { overrides: { matcher: { id: string; options: string } }[] };
  transformations?: { id: string; options: { indexByName?: Record<string, number> } }[];
}
export interface Variable {
  name: string;
  type: string;
  query: string;
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}
export const dashboards = readdirSync(new URL(`../../${DASHBOARD_DIR}`, import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, dashboard: JSON.parse(read(`${DASHBOARD_DIR}/${file}`)) as Dashboard }));

/** The columns a panel plots: a table's organised columns, a time series' time and the fields it overrides by name. */
export function plotted(panel: Panel): string[] {
  const organised = Object.keys(panel.transformations?.find((t) => t.id === 'organize')?.options.indexByName ?? {});
  const named = panel.fieldConfig.overrides.filter((o) => o.matcher.id === 'byName').map((o) => o.matcher.options);
  return panel.type === 'timeseries' ? ['time', ...named] : organised;
}

/**
 * A panel's SQL as Grafana and the ClickHouse plugin would send it: template variables first (Grafana), then the
 * plugin's macros as grafana/clickhouse-datasource pkg/macros/macros.go expands them (seconds since the epoch in
 * toDateTime, the interval in whole seconds, at least 1), and the database the test made instead of `sentinela`.
 */
export function expand(sql: string, o: { from: number; to: number; intervalS: number; vars: Record<string, string[]>; database: string }): string {
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const quoted = (values: string[]) => values.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(',');
  const interval = Math.max(o.intervalS, 1);
  return sql
    .replace(/\$\{(\w+):singlequote\}/g, (_, name: string) => quoted(o.vars[name] ?? []))
    .replace(/\$\{(\w+)\}|\$(?!__)(\w+)/g, (_, a?: string, b?: string) => (o.vars[(a ?? b) as string] ?? []).join(','))
    .replace(/\$__timeFilter_ms\(([^)]+)\)/g, (_, c: string) => `${c} >= fromUnixTimestamp64Milli(${o.from}) AND ${c} <= fromUnixTimestamp64Milli(${o.to})`)
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, c: string) => `${c} >= toDateTime(${seconds(o.from)}) AND ${c} <= toDateTime(${seconds(o.to)})`)
    .replace(/\$__timeInterval\(([^)]+)\)/g, (_, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${interval} second)`)
    .replace(/\$__fromTime_ms\b/g, `fromUnixTimestamp64Milli(${o.from})`)
    .replace(/\$__toTime_ms\b/g, `fromUnixTimestamp64Milli(${o.to})`)
    .replace(/\$__fromTime\b/g, `toDateTime(${seconds(o.from)})`)
    .replace(/\$__toTime\b/g, `toDateTime(${seconds(o.to)})`)
    .replace(/\$__interval_s\b/g, String(interval))
    .replace(/\bsentinela\./g, `${o.database}.`);
}

/** The template variables a panel's SQL reads (`$name`, `${name}`, `${name:format}`), Grafana's own `$__` macros aside. */
export function variablesOf(sql: string): string[] {
  const names = [...sql.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(?!__)(\w+)/g)].map((m) => (m[1] ?? m[2]) as string);
  return [...new Set(names)].sort();
}
