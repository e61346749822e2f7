// The rules in effect with their alert and false-positive rates (GET /v1/stats/rules, last 7 days), and a preview
// of a rule change against the stored CDRs (POST /v1/rules/compare). Both routes may be absent: "no data".
import { api, optional, query } from '../api.js';
import { field, fill, h, note, table } from '../dom.js';
import { num, percent, t } from '../i18n.js';

const WEEK_MS = 7 * 86_400_000;

// a subject's verdicts on one side of the comparison: warn / critical / blocks
const tally = (x) => (x ? `${x.warn} / ${x.critical} / ${x.blocks}` : '–');
const thresholdText = (v) => (v === undefined ? '' : typeof v === 'object' ? `max(${v.floor}, ${v.factor}×)` : String(v));

export function render(section, { can }) {
  const list = h('div', { id: 'rule-list' });
  fill(section, h('h1', {}, t('Rules')), list, can('rules.compare') ? compareForm() : null);

  async function load() {
    try {
      const to = new Date();
      const [effective, stats] = await Promise.all([
        api('/v1/rules'),
        optional(`/v1/stats/rules${query({ from: new Date(to.getTime() - WEEK_MS).toISOString(), to: to.toISOString() })}`),
      ]);
      const rates = new Map((stats?.rules ?? []).map((r) => [r.rule, r]));
      const rate = (r, f) => (stats ? f(rates.get(r.id) ?? { alerts: 0, falsePositives: 0, falsePositiveRate: 0 }) : '–');
      fill(
        list,
        stats ? null : note('info', t('No hit or false-positive rates on this server (no data).')),
        table(
          [
            [t('Rule'), (r) => h('span', { title: r.description }, h('code', {}, r.id), r.enabled === false ? ` (${t('disabled')})` : '')],
            [t('Description'), (r) => r.description],
            [t('Key'), (r) => r.key],
            [t('Window'), (r) => r.window ?? ''],
            [t('Warn'), (r) => thresholdText(r.thresholds?.warn)],
            [t('Critical'), (r) => thresholdText(r.thresholds?.critical)],
            [t('Blocks'), (r) => (r.block ? t('yes') : '')],
            [t('Alerts (7 d)'), (r) => rate(r, (s) => num(s.alerts))],
            [t('False positives'), (r) => rate(r, (s) => `${num(s.falsePositives)} (${percent(s.falsePositiveRate)})`)],
          ],
          effective.rules,
          { rowClass: (r) => (r.enabled === false ? 'muted' : null) },
        ),
      );
    } catch (err) {
      fill(list, note('error', err.message));
    }
  }

  void load();
  return null;
}

function compareForm() {
  const result = h('div', { id: 'compare-result' });
  const name = h('input', { name: 'file', value: 'velocity.yaml', required: true, pattern: '[A-Za-z0-9._-]+\\.ya?ml' });
  const text = h('textarea', { name: 'yaml', rows: 10, required: true, spellcheck: false, placeholder: 'rules:\n  - id: velocity-caller\n    …' });
  const days = h('input', { name: 'days', type: 'number', min: 1, max: 7, value: 7 });
  const form = h(
    'form',
    { id: 'compare', class: 'card' },
    h('h2', {}, t('Preview a rule change')),
    h('p', { class: 'muted' }, t('Replays the stored CDRs of the last days with this file in place of the one of that name.')),
    h('div', { class: 'row' }, field(t('File'), name), field(t('Days'), days)),
    field(t('Rule file (YAML)'), text),
    h('button', { type: 'submit' }, t('Compare')),
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fill(result, note('info', t('Replaying…')));
    try {
      const answer = await optional('/v1/rules/compare', { method: 'POST', body: { files: { [name.value.trim()]: text.value }, days: Number(days.value) } });
      if (!answer) return fill(result, note('info', t('Rule comparison is not available on this server (no data).')));
      fill(
        result,
        h('p', { class: 'muted' }, t('{n} CDRs replayed.', { n: num(answer.cdrs) })),
        table(
          [
            [t('Rule'), (r) => h('code', {}, r.rule)],
            [t('Appear'), (r) => num(r.appears)],
            [t('Disappear'), (r) => num(r.disappears)],
            [t('Change'), (r) => num(r.changes)],
          ],
          answer.rules,
          { empty: t('No difference.') },
        ),
        answer.subjects?.length
          ? table(
              [
                [t('Rule'), (d) => d.rule],
                [t('Tenant'), (d) => d.tenant],
                [t('Subject'), (d) => h('code', {}, `${d.subjectKind}:${d.subject}`)],
                [t('Change'), (d) => t(d.change)],
                [t('Before'), (d) => tally(d.before)],
                [t('After'), (d) => tally(d.after)],
              ],
              answer.subjects,
            )
          : null,
      );
    } catch (err) {
      fill(result, note('error', err.message));
    }
  });
  return form;
}
