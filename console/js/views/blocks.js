// Active blocks; a manual block and an unblock, each with the reason the API requires and audits (blocks.write).
import { api, query, turns } from '../api.js';
import { field, fill, formValues, h, note, table } from '../dom.js';
import { num, t, tenantOf, time } from '../i18n.js';

// a destination country is alerted on, never blocked whole (the API refuses it)
const KINDS = ['caller', 'account', 'ip', 'destination', 'destPrefix', 'tenant'];

export function render(section, { can, me }) {
  const turn = turns();
  const list = h('div', { id: 'block-list' });
  const message = h('div');
  const search = h('input', { name: 'subject', placeholder: t('Subject contains…'), oninput: () => void refresh() });
  fill(
    section,
    h('h1', {}, t('Active blocks')),
    can('blocks.write') ? blockForm() : null,
    message,
    h('div', { class: 'toolbar' }, field(t('Search'), search)),
    list,
  );

  async function refresh() {
    const isNewest = turn();
    try {
      const page = await api(`/v1/blocks${query({ subject: search.value.trim(), limit: 500 })}`);
      if (!isNewest()) return;
      const columns = [
        [t('Subject'), (b) => h('code', {}, b.subject)],
        [t('Tenant'), (b) => b.tenant],
        [t('Rule'), (b) => b.rule],
        [t('Reason'), (b) => b.reason],
        [t('Scope'), (b) => t(b.scope)],
        [t('Source'), (b) => (b.createdBy ? `${t(b.source)} (${b.createdBy})` : t(b.source))],
        [t('Since'), (b) => time(b.startsAt, b.tenant)],
        [t('Until'), (b) => time(b.expiresAt, b.tenant)],
      ];
      if (can('blocks.write')) columns.push(['', (b) => unblockControl(b)]);
      fill(list, h('p', { class: 'muted' }, t('{n} active blocks', { n: num(page.total) })), table(columns, page.items, { empty: t('No active blocks.') }));
    } catch (err) {
      fill(list, note('error', err.message));
    }
  }

  function unblockControl(b) {
    const cell = h('div', { class: 'inline' });
    const start = h('button', { class: 'secondary unblock', dataset: { subject: b.subject } }, t('Unblock'));
    start.addEventListener('click', () => {
      const reason = h('input', { name: 'reason', required: true, minlength: 3, maxlength: 500, placeholder: t('Reason (required)') });
      const form = h('form', { class: 'inline unblock-form' }, reason, h('button', { type: 'submit' }, t('Confirm unblock')));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        try {
          await api(`/v1/blocks/${encodeURIComponent(b.id)}/unblock`, { method: 'POST', body: { reason: reason.value.trim() } });
          fill(message, note('ok', t('Unblocked {subject}.', { subject: b.subject })));
          await refresh();
        } catch (err) {
          fill(message, note('error', err.message));
        }
      });
      fill(cell, form);
      reason.focus();
    });
    return fill(cell, start);
  }

  function blockForm() {
    const form = h(
      'form',
      { id: 'block-form', class: 'card row' },
      h('h2', {}, t('Block by hand')),
      field(t('Tenant'), h('input', { name: 'tenant', value: tenantOf(me), required: true })),
      field(
        t('Kind'),
        h(
          'select',
          { name: 'kind' },
          KINDS.map((k) => h('option', { value: k }, k)),
        ),
      ),
      field(t('Value'), h('input', { name: 'value', required: true, placeholder: '+551130001000' })),
      field(t('Duration'), h('input', { name: 'duration', value: '1h', required: true, pattern: '\\d+(ms|s|m|h|d)' })),
      field(t('Scope'), h('select', { name: 'scope' }, h('option', { value: 'all' }, t('all')), h('option', { value: 'international' }, t('international')))),
      field(t('Reason'), h('input', { name: 'reason', required: true, minlength: 3, maxlength: 500 })),
      h('button', { type: 'submit' }, t('Block')),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const made = await api('/v1/blocks', { method: 'POST', body: formValues(form) });
        fill(message, note('ok', t('Blocked {subject} until {until}.', { subject: made.subject, until: time(made.expiresAt, made.tenant) })));
        form.reset();
        await refresh();
      } catch (err) {
        fill(message, note('error', err.message));
      }
    });
    return form;
  }

  void refresh();
  return null;
}
