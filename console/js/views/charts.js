// Traffic, cost, alert and decision charts (uPlot, served from the installed package) from the /v1/stats routes.
// A server without those routes, or a role that may not read them, shows "no data" instead of failing.
import uPlot from '/console/vendor/uplot/uPlot.esm.js';
import { optional, query, turns } from '../api.js';
import { field, fill, h, note, table } from '../dom.js';
import { money, num, t, zoneOf } from '../i18n.js';

const RANGES = [
  ['24h', 86_400_000],
  ['7d', 7 * 86_400_000],
  ['30d', 30 * 86_400_000],
];
const COLOURS = ['#2563eb', '#16a34a', '#dc2626', '#d97706', '#7c3aed', '#0891b2'];

/** Seconds since the epoch from an ISO instant or epoch milliseconds/seconds. */
const seconds = (v) => (typeof v === 'number' ? (v > 1e11 ? v / 1000 : v) : Date.parse(v) / 1000);

/** uPlot's columns from points: one x per distinct t (sorted), each field summed over the points at that t. */
export function columns(points, fields, keep = () => true) {
  const at = new Map();
  for (const p of points) {
    if (!keep(p)) continue;
    const x = seconds(p.t);
    const row = at.get(x) ?? fields.map(() => 0);
    fields.forEach((f, i) => (row[i] += typeof f === 'function' ? f(p) : (p[f] ?? 0)));
    at.set(x, row);
  }
  const xs = [...at.keys()].sort((a, b) => a - b);
  return [xs, ...fields.map((_, i) => xs.map((x) => at.get(x)[i]))];
}

/** Totals per destination country over the period, costliest first. */
function byCountry(points) {
  const totals = new Map();
  for (const p of points) {
    const c = totals.get(p.country) ?? { country: p.country, calls: 0, billedMinutes: 0, cost: 0 };
    c.calls += p.calls;
    c.billedMinutes += p.billedMinutes;
    c.cost += p.cost;
    totals.set(p.country, c);
  }
  return [...totals.values()].sort((a, b) => b.cost - a.cost || b.calls - a.calls);
}

export function render(section) {
  const turn = turns();
  let range = '24h';
  let tenant = '';
  const body = h('div', { id: 'charts' });
  const plots = [];
  fill(
    section,
    h('h1', {}, t('Charts')),
    h(
      'div',
      { class: 'toolbar' },
      field(
        t('Period'),
        h(
          'select',
          { name: 'range', onchange: (e) => ((range = e.target.value), load()) },
          RANGES.map(([r]) => h('option', { value: r }, t(`last ${r}`))),
        ),
      ),
      field(t('Tenant'), h('input', { name: 'tenant', placeholder: t('all'), onchange: (e) => ((tenant = e.target.value.trim()), load()) })),
    ),
    body,
  );

  function chart(title, data, series, format = (v) => num(v, 2)) {
    const box = h('figure', { class: 'chart card' }, h('figcaption', {}, title));
    if (!data || data[0].length === 0) {
      box.append(note('info', t('No data.')));
      return box;
    }
    const zone = zoneOf(tenant);
    const opts = {
      width: Math.max(320, Math.min(560, body.clientWidth / 2 - 32)),
      height: 220,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), zone),
      series: [{}, ...series.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 2, value: (_, v) => (v === null ? '' : format(v)) }))],
      axes: [{}, { values: (_, ticks) => ticks.map((v) => format(v)), size: 70 }],
    };
    plots.push(new uPlot(opts, data, box));
    return box;
  }

  async function load() {
    const isNewest = turn();
    for (const p of plots.splice(0)) p.destroy();
    const to = new Date();
    const from = new Date(to.getTime() - RANGES.find(([r]) => r === range)[1]);
    const span = { from: from.toISOString(), to: to.toISOString() };
    fill(body, note('info', t('Loading…')));
    const [traffic, countries, alerts, decisions, top] = await Promise.all([
      optional(`/v1/stats/traffic${query({ ...span, tenant })}`),
      optional(`/v1/stats/traffic${query({ ...span, tenant, by: 'country' })}`),
      optional(`/v1/stats/alerts${query(span)}`),
      optional(`/v1/stats/decisions${query(span)}`),
      optional(`/v1/stats/top-accounts${query({ ...span, limit: 10 })}`),
    ]).catch((err) => (fill(body, note('error', err.message)), []));
    if (traffic === undefined || !isNewest()) return;
    const points = (answer) => answer?.points ?? [];
    fill(
      body,
      chart(t('Calls'), columns(points(traffic), ['calls', 'answered']), [t('calls'), t('answered')], (v) => num(v)),
      chart(t('Cost (BRL)'), columns(points(traffic), ['cost']), [t('cost')], money),
      chart(
        t('Alerts and blocks'),
        columns(points(alerts), [(p) => (p.severity === 'critical' ? p.alerts : 0), (p) => (p.severity === 'warn' ? p.alerts : 0), 'blocks']),
        [t('critical'), t('warn'), t('blocks')],
        (v) => num(v),
      ),
      chart(
        t('Block-check decisions'),
        columns(points(decisions), ['allow', 'block', 'failOpen', 'failClosed', 'shed']),
        [t('allow'), t('block'), t('fail-open'), t('fail-closed'), t('shed')],
        (v) => num(v),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, t('Destination countries by cost')),
        countries?.points?.length
          ? table(
              [
                [t('Country'), (c) => c.country || '–'],
                [t('Calls'), (c) => num(c.calls)],
                [t('Billed minutes'), (c) => num(c.billedMinutes, 1)],
                [t('Cost'), (c) => money(c.cost)],
              ],
              byCountry(countries.points).slice(0, 10),
            )
          : note('info', t('No data.')),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, t('Top accounts by cost')),
        top?.accounts?.length
          ? table(
              [
                [t('Tenant'), (a) => a.tenant],
                [t('Account'), (a) => a.account],
                [t('Calls'), (a) => num(a.calls)],
                [t('Cost'), (a) => money(a.cost)],
              ],
              top.accounts,
            )
          : note('info', t('No data.')),
      ),
    );
  }

  void load();
  return () => plots.forEach((p) => p.destroy());
}
