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
const BLUE = '#2563eb';
const GREEN = '#16a34a';
const RED = '#dc2626';
const AMBER = '#d97706';
const GREY = '#4b5563';
const PURPLE = '#7c3aed';

/** Seconds since the epoch from an ISO instant or epoch milliseconds/seconds. */
const wholeMoney = (v) => (typeof v === 'number' ? `R$ ${num(v)}` : '');
const seconds = (v) => (typeof v === 'number' ? (v > 1e11 ? v / 1000 : v) : Date.parse(v) / 1000);

/** The API's step of a chart: minute up to 6 h, hour up to 14 days, day beyond (30 days: 30 points, not 720). */
const STEP_SECONDS = { minute: 60, hour: 3600, day: 86400 };

/**
 * uPlot's columns from an answer's points: one x per step of the period (a step without points is 0, not a line
 * drawn across it), each field summed over the points at that step (rules, severities, countries).
 */
export function columns(answer, fields, span) {
  const at = new Map();
  for (const p of answer?.points ?? []) {
    const x = seconds(p.t);
    const row = at.get(x) ?? fields.map(() => 0);
    fields.forEach((f, i) => (row[i] += typeof f === 'function' ? f(p) : (p[f] ?? 0)));
    at.set(x, row);
  }
  if (at.size === 0) return null;
  const step = STEP_SECONDS[answer.step] ?? 3600;
  const xs = [];
  for (let x = Math.floor(seconds(span.from) / step) * step; x < seconds(span.to); x += step) xs.push(x);
  return [xs, ...fields.map((_, i) => xs.map((x) => at.get(x)?.[i] ?? 0))];
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

  function chart(title, data, series, format = (v) => num(v, 2), axis = format) {
    const box = h('figure', { class: 'chart card' }, h('figcaption', {}, title));
    if (!data) {
      box.append(note('info', t('No data.')));
      return box;
    }
    const zone = zoneOf(tenant);
    const opts = {
      width: Math.max(320, Math.min(560, body.clientWidth / 2 - 32)),
      height: 220,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), zone),
      series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2, points: { show: false }, value: (_, v) => (v === null ? '' : format(v)) }))],
      axes: [{}, { values: (_, ticks) => ticks.map((v) => axis(v)), size: 80 }],
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
      optional(`/v1/stats/alerts${query({ ...span, tenant })}`),
      optional(`/v1/stats/decisions${query({ ...span, tenant })}`),
      optional(`/v1/stats/top-accounts${query({ ...span, tenant, limit: 10 })}`),
    ]).catch((err) => (fill(body, note('error', err.message)), []));
    if (traffic === undefined || !isNewest()) return;
    fill(
      body,
      chart(
        t('Calls'),
        columns(traffic, ['calls', 'answered'], span),
        [
          [t('calls'), BLUE],
          [t('answered'), GREEN],
        ],
        (v) => num(v),
      ),
      chart(t('Cost (BRL)'), columns(traffic, ['cost'], span), [[t('cost'), PURPLE]], money, wholeMoney),
      chart(
        t('Alerts and blocks'),
        columns(alerts, [(p) => (p.severity === 'critical' ? p.alerts : 0), (p) => (p.severity === 'warn' ? p.alerts : 0), 'blocks'], span),
        [
          [t('critical'), RED],
          [t('warn'), AMBER],
          [t('blocks'), GREY],
        ],
        (v) => num(v),
      ),
      chart(
        t('Block-check decisions'),
        columns(decisions, ['allow', 'block', 'failOpen', 'failClosed', 'shed'], span),
        [
          [t('allow'), GREEN],
          [t('block'), RED],
          [t('fail-open'), AMBER],
          [t('fail-closed'), PURPLE],
          [t('shed'), GREY],
        ],
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
