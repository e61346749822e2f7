// The audit trail (A3): search any substring, filter, sort by any column, page. Every read is itself audited.
import { api, query, turns } from '../api.js';
import { field, fill, formValues, h, note } from '../dom.js';
import { num, t, time } from '../i18n.js';

const PAGE = 50;
// column key of the API (AUDIT_SORT_COLUMNS) → the record's field
const COLUMNS = [
  ['at', 'at', 'Time'],
  ['actor', 'actor', 'Actor'],
  ['event_type', 'eventType', 'Event'],
  ['result', 'result', 'Result'],
  ['source_ip', 'sourceIp', 'Address'],
  ['details', 'details', 'Details'],
  ['chain', 'chain', 'Chain'],
  ['seq', 'seq', 'Seq'],
];

// long details (config.loaded's fingerprint) fold to their first line
const detailsCell = (text) =>
  text.length <= 120
    ? h('code', { class: 'details' }, text)
    : h('details', {}, h('summary', {}, h('code', {}, `${text.slice(0, 100)}…`)), h('code', { class: 'details' }, text));

export function render(section) {
  const turn = turns();
  const state = { q: '', eventType: '', result: '', sort: 'at', order: 'desc', offset: 0 };
  const out = h('div', { id: 'audit-list' });
  const form = h(
    'form',
    { id: 'audit-search', class: 'toolbar' },
    field(t('Search'), h('input', { name: 'q', type: 'search', placeholder: t('any text') })),
    field(t('Event'), h('input', { name: 'eventType', placeholder: 'block.unblock' })),
    field(
      t('Result'),
      h(
        'select',
        { name: 'result' },
        ['', 'success', 'failure'].map((r) => h('option', { value: r }, r ? t(r) : t('all'))),
      ),
    ),
    h('button', { type: 'submit' }, t('Search')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    Object.assign(state, formValues(form), { offset: 0 });
    void load();
  });
  fill(section, h('h1', {}, t('Audit trail')), form, out);

  const sortBy = (key) => () => {
    state.order = state.sort === key && state.order === 'desc' ? 'asc' : 'desc';
    state.sort = key;
    state.offset = 0;
    void load();
  };

  async function load() {
    const isNewest = turn();
    try {
      const page = await api(`/v1/audit${query({ ...state, limit: PAGE })}`);
      if (!isNewest()) return;
      const arrow = (key) => (state.sort === key ? (state.order === 'desc' ? ' ▼' : ' ▲') : '');
      const head = h(
        'tr',
        {},
        COLUMNS.map(([key, , title]) =>
          h('th', { scope: 'col' }, h('button', { class: 'link sort', dataset: { sort: key }, onclick: sortBy(key) }, t(title) + arrow(key))),
        ),
      );
      const rows = page.items.map((r) =>
        h(
          'tr',
          { class: r.intact ? null : 'broken' },
          COLUMNS.map(([, f]) => h('td', {}, f === 'at' ? time(r.at) : f === 'details' ? detailsCell(r.details) : String(r[f]))),
        ),
      );
      const integrity = page.integrity;
      fill(
        out,
        note('info', page.notice),
        note(
          integrity.ok ? 'ok' : 'error',
          integrity.ok
            ? t('Audit chains intact (verified {at}).', { at: integrity.verifiedAt ? time(integrity.verifiedAt) : t('not yet') })
            : t('An audit chain is broken: see the chains report.'),
        ),
        h('table', { class: 'audit' }, h('thead', {}, head), h('tbody', {}, rows)),
        pager(page),
      );
    } catch (err) {
      fill(out, note('error', err.message));
    }
  }

  function pager(page) {
    const to = Math.min(page.total, page.offset + page.items.length);
    const go = (offset) => () => {
      state.offset = offset;
      void load();
    };
    return h(
      'div',
      { class: 'pager' },
      h('button', { class: 'secondary', onclick: go(Math.max(0, page.offset - PAGE)), disabled: page.offset === 0 }, t('Previous')),
      h('span', { class: 'muted' }, t('{from}–{to} of {total}', { from: num(page.total ? page.offset + 1 : 0), to: num(to), total: num(page.total) })),
      h('button', { class: 'secondary', onclick: go(page.offset + PAGE), disabled: to >= page.total }, t('Next')),
    );
  }

  void load();
  return null;
}
