// Live alerts: polled every 5 s; one alert's explanation (value, threshold, learned baseline) and evidence (evidence.js);
// acknowledge or mark a false positive (alerts.write; the API audits both).
import { api, query, turns, userIdle } from '../api.js';
import { fill, field, h, note, table } from '../dom.js';
import { evidence } from './evidence.js';
import { num, t, time } from '../i18n.js';

const POLL_MS = 5_000;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
const EXPLAINED = new Set(['value', 'threshold', 'baseline', 'baselineFrom', 'novel', 'destinationClass', 'destinationCountry', 'suppressedBefore']);

export function render(section, { can }) {
  const turn = turns();
  const filters = { severity: 'critical', status: 'open' };
  const list = h('div', { id: 'alert-list' });
  const detail = h('div', { id: 'alert-detail' });
  const stamp = h('span', { class: 'muted', id: 'alerts-updated' });
  const select = (name, options) =>
    h(
      'select',
      { name, onchange: (e) => ((filters[name] = e.target.value), refresh()) },
      options.map(([value, label]) => h('option', { value, selected: filters[name] === value }, label)),
    );
  fill(
    section,
    h('h1', {}, t('Alerts')),
    h(
      'div',
      { class: 'toolbar' },
      field(
        t('Severity'),
        select('severity', [
          ['critical', t('critical')],
          ['warn', t('warn')],
          ['', t('all')],
        ]),
      ),
      field(
        t('Status'),
        select('status', [
          ['open', t('open')],
          ['acknowledged', t('acknowledged')],
          ['false_positive', t('false_positive')],
          ['confirmed', t('confirmed')],
          ['', t('all')],
        ]),
      ),
      stamp,
    ),
    h('div', { class: 'split' }, list, detail),
  );
  let selected = null;
  let stopped = false;
  // alerts that arrived since the view opened are marked until the next refresh after they were first seen
  let seen = null;

  async function refresh() {
    const isNewest = turn();
    try {
      const page = await api(`/v1/alerts${query({ ...filters, limit: 200 })}`);
      if (!isNewest() || stopped) return;
      const arrived = new Set(seen ? page.items.filter((a) => !seen.has(a.id)).map((a) => a.id) : []);
      seen = new Set([...(seen ?? []), ...page.items.map((a) => a.id)]);
      document.title = `${page.total > 0 && filters.status === 'open' ? `(${page.total}) ` : ''}Sentinela · NOC`;
      fill(
        list,
        h('p', { class: 'muted' }, t('{n} alerts', { n: num(page.total) })),
        table(
          [
            [t('Time'), (a) => time(a.at, a.tenant)],
            [t('Tenant'), (a) => a.tenant],
            [t('Rule'), (a) => a.rule],
            [t('Severity'), (a) => h('span', { class: `badge ${a.severity}` }, t(a.severity))],
            [t('Subject'), (a) => h('code', {}, a.subject)],
            [t('Status'), (a) => t(a.status)],
          ],
          page.items,
          { onrow: (a) => open(a.id), rowClass: (a) => (a.id === selected ? 'selected' : arrived.has(a.id) ? 'arrived' : null), empty: t('No alerts.') },
        ),
      );
      fill(stamp, t('updated {at}', { at: time(new Date().toISOString()) }));
    } catch (err) {
      fill(list, note('error', err.message));
    }
  }

  async function open(id) {
    selected = id;
    for (const row of list.querySelectorAll('tr.selected')) row.classList.remove('selected');
    document.activeElement?.closest?.('tr')?.classList.add('selected');
    try {
      showDetail(await api(`/v1/alerts/${encodeURIComponent(id)}`));
    } catch (err) {
      fill(detail, note('error', err.message));
    }
  }

  function showDetail(a) {
    const d = a.details;
    const why = [
      h('li', {}, t('Observed {value}, threshold {threshold}.', { value: num(d.value, 2), threshold: num(d.threshold, 2) })),
      d.baseline !== undefined
        ? h('li', { class: 'baseline' }, t('Learned baseline {baseline} ({from}).', { baseline: num(d.baseline, 2), from: d.baselineFrom ?? '' }))
        : null,
      d.novel ? h('li', {}, t('New for this subject: {what}.', { what: d.novel })) : null,
      d.destinationClass ? h('li', {}, t('Destination: {what}.', { what: [d.destinationClass, d.destinationCountry].filter(Boolean).join(', ') })) : null,
      d.suppressedBefore > 0 ? h('li', {}, t('{n} repeats were suppressed before this alert.', { n: d.suppressedBefore })) : null,
    ];
    const other = Object.entries(d).filter(([k]) => !EXPLAINED.has(k));
    fill(
      detail,
      h(
        'div',
        { class: 'card' },
        h('h2', {}, `${a.rule} · `, h('code', {}, a.subject)),
        h(
          'p',
          {},
          h('span', { class: `badge ${a.severity}` }, t(a.severity)),
          ' ',
          time(a.at, a.tenant),
          ' · ',
          a.tenant,
          ' · ',
          t(a.status),
          a.statusBy ? ` (${a.statusBy})` : '',
        ),
        h('h3', {}, t('Why')),
        h('ul', { class: 'why' }, why),
        other.length > 0
          ? h(
              'dl',
              { class: 'details' },
              other.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, ISO.test(String(v)) ? time(v, a.tenant) : String(v))]),
            )
          : null,
        actions(a),
        h('h3', {}, t('Evidence')),
        h('div', { class: 'scroll' }, evidence(a, can)),
      ),
    );
  }

  function actions(a) {
    if (!can('alerts.write')) return null;
    const message = h('div');
    const noteInput = h('input', { name: 'note', placeholder: t('Note (optional)'), maxlength: 500 });
    const act = (status) => async () => {
      try {
        const updated = await api(`/v1/alerts/${encodeURIComponent(a.id)}/status`, {
          method: 'POST',
          body: { status, ...(noteInput.value.trim().length >= 3 ? { note: noteInput.value.trim() } : {}) },
        });
        await refresh();
        showDetail({ ...a, ...updated });
      } catch (err) {
        fill(message, note('error', err.message));
      }
    };
    return h(
      'div',
      { class: 'actions' },
      noteInput,
      h('button', { id: 'ack', onclick: act('acknowledged'), disabled: a.status === 'acknowledged' }, t('Acknowledge')),
      h('button', { id: 'false-positive', class: 'secondary', onclick: act('false_positive'), disabled: a.status === 'false_positive' }, t('False positive')),
      message,
    );
  }

  void refresh();
  const timer = setInterval(() => (userIdle() ? fill(stamp, t('paused: no activity')) : void refresh()), POLL_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    document.title = 'Sentinela · NOC';
  };
}
