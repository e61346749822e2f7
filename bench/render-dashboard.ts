// Renders a Grafana dashboard's panels to a PNG from the panels' own SQL, run on chDB over the demo's synthetic day
// (Grafana cannot run here): every panel's query expanded as Grafana and the ClickHouse plugin would, its rows drawn
// with uPlot (time series) or as a table, laid out on the dashboard's grid, screenshot by the system chromium.
//
//   node --import tsx bench/render-dashboard.ts [overview|fraud|destinations] [OUT.png]   (default: overview, docs/)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ClickHouseStore } from '../src/adapters/clickhouse/store.js';
import { createClickHouseClient } from '../src/adapters/clickhouse/client.js';
import { readMigrations } from '../src/adapters/clickhouse/migrations.js';
import { migrate } from '../src/adapters/clickhouse/migrator.js';
import { loadRuleFiles } from '../src/adapters/files/rule-files.js';
import { BlockCheckService } from '../src/api/block-check.js';
import { parseConfig } from '../src/config/config.js';
import { BlockTable } from '../src/domain/blocks/block-table.js';
import { parseCdr } from '../src/domain/cdr/parse.js';
import { demoDay } from '../src/demo/traffic.js';
import { engineFactory } from '../src/main/parts.js';
import { PendingBatch, storeSink } from '../src/pipeline/batch.js';
import { dashboards, expand, type Panel } from '../test/deploy/grafana-panels.js';

const HOUR = 3_600_000;
const name = process.argv[2] ?? 'overview';
const out = process.argv[3] ?? `docs/grafana-${name}.png`;
const dashboard = dashboards.find((d) => d.file === `${name}.json`)?.dashboard;
if (!dashboard) throw new Error(`no dashboard ${name}.json in deploy/grafana/dashboards`);

const dir = mkdtempSync(join(tmpdir(), 'sentinela-render-'));
const client = createClickHouseClient({ mode: 'embedded', dataDir: dir });
const database = 'sentinela';
// the demo's day places its São Paulo office hours as if it started at 00:00 UTC: ending it at the last UTC midnight
// puts them on the clock's office hours
const now = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR;

/** The demo's day through the real write path; each call is asked about first (block-check), as a PBX would. */
async function seed(): Promise<void> {
  await migrate(client, { database, retentionDays: 0, migrations: readMigrations() });
  const config = parseConfig({});
  const ruleFiles = loadRuleFiles('rules');
  const engine = engineFactory(config, ruleFiles)();
  const table = new BlockTable();
  const checks = new BlockCheckService({
    attempts: engineFactory(config, ruleFiles, { on: 'attempt', allowedLatenessMs: 5_000 })(),
    table,
    failPolicy: 'open',
    staleAfterMs: 2 * 86_400_000,
    onVerdicts: () => {},
  });
  const store = new ClickHouseStore(client, database);
  const day = demoDay(now);
  checks.markLoaded(now - 25 * HOUR);
  let batch = new PendingBatch();
  let offset = 0;
  for (const input of [...day.cdrs].sort((a, b) => Number(a.endedAt) - Number(b.endedAt))) {
    const parsed = parseCdr(input);
    if (!parsed.ok) continue;
    const cdr = parsed.cdr;
    checks.check({ tenant: cdr.tenant, account: cdr.account, caller: cdr.caller, callee: cdr.callee }, cdr.startedAt);
    const issued = batch.verdicts.length;
    batch.evaluate(engine, cdr, { kind: 'http', topic: 'http', partition: 0, offset: offset++, format: 'canonical' }, cdr.endedAt);
    for (const v of batch.verdicts.slice(issued)) if (v.kind === 'block') table.apply(v, cdr.endedAt);
    if (batch.size >= 2_000) {
      await storeSink(store)(batch);
      batch = new PendingBatch();
    }
  }
  await storeSink(store)(batch);
  await store.insertDecisions(checks.decisions.take());
  // the demo's exporters send nothing malformed: a few refused records through the day, so the panel has a shape
  const codes = ['CDR_INVALID', 'CDR_NOT_JSON', 'NUMBER_UNPARSEABLE'];
  await client.insert({
    table: `${database}.rejected_cdrs`,
    values: Array.from({ length: 60 }, (_, i) => ({
      received_at: now - 24 * HOUR + ((i * 7919) % 86_400) * 1000,
      source_kind: 'http',
      source_name: 'http',
      source_offset: i,
      payload: `{"id": ${i}`,
      error_code: codes[i % 3 === 0 ? 0 : i % 5 === 0 ? 1 : 2],
      error_message: 'seeded for the picture',
    })),
    format: 'JSONEachRow',
  });
}

interface Result {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
}

async function run(panel: Panel, tenants: string[]): Promise<Result> {
  const sql = expand(panel.targets[0]?.rawSql ?? '', { from: now - 24 * HOUR, to: now, intervalS: 600, vars: { tenant: tenants }, database });
  const answer = await client.query({ query: sql, format: 'JSON' });
  const json = await answer.json<Record<string, unknown>>();
  return { meta: json.meta ?? [], data: json.data };
}

const NUMERIC = /Int|Float|Decimal/;
const epoch = (v: unknown) => Date.parse(`${String(v).replace(' ', 'T')}Z`) / 1000;

/** A time series in uPlot's columns: long rows (time, label, value) become one series per label. */
function series(panel: Panel, r: Result): { labels: string[]; data: (number | null)[][] } {
  const label = r.meta.find((m) => m.name !== 'time' && !NUMERIC.test(m.type))?.name;
  const values = r.meta.filter((m) => NUMERIC.test(m.type)).map((m) => m.name);
  const names = new Map(panel.fieldConfig.overrides.map((o) => [o.matcher.options, o.matcher.options]));
  const times = [...new Set(r.data.map((row) => epoch(row['time'])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = new Map<string, (number | null)[]>();
  for (const row of r.data) {
    for (const v of values) {
      const key = label ? `${String(row[label])}${values.length > 1 ? ` ${v}` : ''}` : (names.get(v) ?? v);
      if (!columns.has(key))
        columns.set(
          key,
          times.map(() => null),
        );
      (columns.get(key) as (number | null)[])[index.get(epoch(row['time'])) as number] = Number(row[v]);
    }
  }
  return { labels: [...columns.keys()], data: [times, ...columns.values()] };
}

function page(panels: { panel: Panel; result: Result }[]): string {
  const require = createRequire(import.meta.url);
  const uplot = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const cards = panels.map(({ panel, result }) => {
    const g = panel.gridPos;
    const style = `grid-column:${g.x + 1}/span ${g.w};grid-row:${g.y + 1}/span ${g.h}`;
    if (panel.type === 'timeseries') return { style, title: panel.title, kind: 'chart', ...series(panel, result) };
    const organize = panel.transformations?.find((t) => t.id === 'organize')?.options as { renameByName?: Record<string, string> } | undefined;
    const columns = Object.entries(organize?.renameByName ?? {});
    const rows = result.data
      .slice(0, 12)
      .map((row) => columns.map(([c]) => (typeof row[c] === 'number' ? String(Math.round(row[c] * 100) / 100) : String(row[c]))));
    return { style, title: panel.title, kind: 'table', header: columns.map(([, label]) => label), rows };
  });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
    body{margin:0;background:#111217;color:#ccccdc;font:13px Inter,Helvetica,Arial,sans-serif}
    h1{font-size:18px;font-weight:500;margin:12px 16px}
    .grid{display:grid;grid-template-columns:repeat(24,1fr);grid-auto-rows:30px;gap:8px;padding:0 16px 16px}
    .card{background:#181b1f;border:1px solid #2c3235;border-radius:2px;padding:6px 8px;overflow:hidden}
    .card h2{font-size:13px;font-weight:500;margin:0 0 4px}
    table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;border-bottom:1px solid #2c3235;text-align:left;white-space:nowrap}
    th{color:#6e9fff;font-weight:500}.u-legend{font-size:11px}</style><script>${uplot}</script></head><body>
    <h1>${dashboard?.title ?? ''} — rendered from the panel SQL on the demo's synthetic day (last 24 h, São Paulo time)</h1><div class="grid" id="grid"></div>
    <script>
    const cards = ${JSON.stringify(cards)};
    const colours = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#fade2a'];
    for (const c of cards) {
      const el = document.createElement('div'); el.className = 'card'; el.style.cssText = c.style;
      el.innerHTML = '<h2>' + c.title + '</h2>'; document.getElementById('grid').appendChild(el);
      if (c.kind === 'table') {
        el.innerHTML += '<table><tr>' + c.header.map((h) => '<th>' + h + '</th>').join('') + '</tr>' +
          c.rows.map((r) => '<tr>' + r.map((v) => '<td>' + v + '</td>').join('') + '</tr>').join('') + '</table>';
        continue;
      }
      const box = el.getBoundingClientRect();
      new uPlot({ width: box.width - 16, height: box.height - 70, legend: { show: true },
        axes: [{ stroke: '#ccccdc', grid: { stroke: '#2c3235' } }, { stroke: '#ccccdc', grid: { stroke: '#2c3235' } }],
        series: [{}, ...c.labels.map((l, i) => ({ label: l, stroke: colours[i % colours.length], width: 1.5, spanGaps: false }))] }, c.data, el);
    }
    </script></body></html>`;
}

try {
  await seed();
  const tenants = (
    await (
      await client.query({ query: `SELECT DISTINCT tenant FROM ${database}.traffic_hour ORDER BY tenant`, format: 'JSONEachRow' })
    ).json<{ tenant: string }>()
  ).map((r) => r.tenant);
  const panels = [];
  for (const panel of dashboard.panels) panels.push({ panel, result: await run(panel, tenants) });
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  try {
    const tab = await browser.newPage({ viewport: { width: 1600, height: 900 }, timezoneId: 'America/Sao_Paulo' });
    await tab.setContent(page(panels), { waitUntil: 'load' });
    writeFileSync(out, await tab.screenshot({ fullPage: true }));
  } finally {
    await browser.close();
  }
  console.log(`${out}: ${dashboard.panels.length} panels of ${name}.json, ${panels.reduce((n, p) => n + p.result.data.length, 0)} rows`);
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
