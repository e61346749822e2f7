// Block-check tester: what the PBX would be answered for a call, from a logged-in session
// (POST /v1/block-check/preview: not counted as a call attempt).
import { api } from '../api.js';
import { field, fill, formValues, h, note, table } from '../dom.js';
import { t, tenantOf, time } from '../i18n.js';

export function render(section, { me }) {
  const result = h('div', { id: 'check-result' });
  const input = (name, o = {}) => h('input', { name, ...o });
  const form = h(
    'form',
    { id: 'check', class: 'card row' },
    field(t('Tenant'), input('tenant', { value: tenantOf(me), required: true })),
    field(t('Account'), input('account', { required: true })),
    field(t('Caller'), input('caller', { required: true, placeholder: '+551130001000' })),
    field(t('Callee'), input('callee', { required: true, placeholder: '0 0900 123 4567' })),
    field(t('IP (optional)'), input('ip', { placeholder: '203.0.113.9' })),
    h('button', { type: 'submit' }, t('Check')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = formValues(form);
    if (!values.ip) delete values.ip;
    try {
      const answer = await api('/v1/block-check/preview', { method: 'POST', body: values });
      fill(
        result,
        h('p', { class: `verdict ${answer.action}` }, t(answer.action).toUpperCase(), answer.emergency ? ` · ${t('emergency number')}` : ''),
        answer.policy !== 'normal'
          ? note('error', t('Degraded ({why}): the {policy} policy answers.', { why: answer.degraded ?? '', policy: answer.policy }))
          : null,
        answer.reasons.length
          ? table(
              [
                [t('Rule'), (r) => r.rule],
                [t('Subject'), (r) => h('code', {}, r.subject)],
                [t('Until'), (r) => (r.expiresAt ? time(r.expiresAt, values.tenant) : t('as configured'))],
                [t('Detail'), (r) => r.detail ?? r.source ?? ''],
              ],
              answer.reasons,
            )
          : null,
      );
    } catch (err) {
      fill(result, note('error', err.message));
    }
  });
  fill(
    section,
    h('h1', {}, t('Block-check tester')),
    h('p', { class: 'muted' }, t('What block-check answers the PBX for this call now. The test is not counted as a call attempt.')),
    form,
    result,
  );
  return null;
}
