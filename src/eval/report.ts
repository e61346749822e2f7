import { LocalIso } from '../sim/time.js';
import { budgetText } from './budget.js';
import { bySubjectCount, summary, type EpisodeScore, type FlaggedSubject, type Score } from './score.js';

const MAX_LISTED = 40;

/** The human-readable report, then the machine-readable summary as the last line. */
export function report(s: Score, timeZone: string): string[] {
  const iso = new LocalIso(timeZone);
  const when = (t: number) => iso.format(t).slice(5, 16).replace('T', ' ');
  const money = (n: number) => n.toFixed(2);
  const pct = (n: number, of: number) => (of === 0 ? '0 %' : `${((n / of) * 100).toFixed(2)} %`);
  const out: string[] = [];
  const detected = s.episodes.filter((e) => e.detected);
  out.push(
    `episodes: ${s.episodes.length}, detected ${detected.length} (${pct(detected.length, s.episodes.length)}), missed ${s.episodes.length - detected.length}`,
  );
  const budgeted = s.episodes.filter((e) => e.budget !== undefined);
  out.push(`within budget: ${budgeted.filter((e) => e.budget?.within).length} of ${budgeted.length} episodes with a budget`);
  out.push(`verdicts: ${s.alerts} alerts, ${s.blocks} blocks`);
  if (s.attempts) {
    const legit = Object.values(s.refusedLegit).reduce((n, c) => n + c, 0);
    const fraud = s.episodes.reduce((n, e) => n + e.refused, 0);
    out.push(
      `block-check attempts: ${fraud} fraud calls refused (R$ ${money(s.episodes.reduce((n, e) => n + e.prevented, 0))} prevented), ${legit} legitimate calls refused`,
    );
  }
  out.push('');
  const rows = s.episodes.map((e) => [
    e.episode.id,
    e.episode.type,
    e.episode.tenant,
    String(e.fraudCdrs),
    money(e.fraudCost),
    e.detected ? (e.first ? 'yes' : 'refused') : 'MISSED',
    e.first ? `${e.first.rule} ${e.first.kind} ${e.first.subject}` : '-',
    e.first ? when(e.first.at) : '-',
    e.arrived === undefined ? '-' : String(e.arrived),
    e.arrivedCost === undefined ? '-' : money(e.arrivedCost),
    budgetCell(e),
    ...(s.attempts ? [String(e.refused), money(e.prevented), e.firstRefusedAttempt === undefined ? '-' : String(e.firstRefusedAttempt)] : []),
    e.rules.join(', ') || '-',
  ]);
  const attemptHead = s.attempts ? ['refused', 'prevented R$', 'first refused'] : [];
  const head = ['episode', 'type', 'tenant', 'CDRs', 'cost R$', 'detected', 'first verdict', 'at', 'arrived', 'cost R$', 'budget', ...attemptHead, 'rules'];
  out.push(...table(head, rows, s.attempts ? [3, 4, 8, 9, 11, 12, 13] : [3, 4, 8, 9]));
  const over = s.episodes.filter((e) => e.budget?.within === false);
  if (over.length > 0) {
    out.push('', 'over budget:');
    for (const e of over) out.push(`  ${e.episode.id} ${e.episode.type}: budget ${budgetText(e.budget?.budget ?? {})} (${e.budget?.budget.why ?? ''})`);
  }
  const missed = s.episodes.filter((e) => !e.detected);
  if (missed.length > 0) {
    out.push('', 'missed episodes:');
    for (const e of missed) out.push(`  ${e.episode.id} ${e.episode.type}: ${e.episode.description} (${e.fraudCdrs} CDRs, R$ ${money(e.fraudCost)})`);
  }
  out.push('', ...flagged('false-positive blocks', s.fpBlocked, s.legitSubjects, when));
  out.push('', ...flagged('false-positive critical alerts', s.fpCritical, s.legitSubjects, when));
  if (s.otherBlocked.length > 0) {
    out.push('', `blocks on subjects neither legitimate nor acceptable for an episode: ${s.otherBlocked.length}`);
    for (const f of s.otherBlocked.slice(0, MAX_LISTED))
      out.push(`  ${f.tenant} ${f.subject}  ${f.rules.join(', ')}  x${f.verdicts}  first ${when(f.firstAt)}`);
  }
  out.push('', JSON.stringify(summary(s)));
  return out;
}

function budgetCell(e: EpisodeScore): string {
  if (!e.budget) return '-';
  return e.budget.within ? `within (${e.budget.by ?? ''})` : 'OVER';
}

function flagged(title: string, list: readonly FlaggedSubject[], legit: number, when: (t: number) => string): string[] {
  const out = [`${title}: ${list.length} of ${legit} legitimate subjects (${legit === 0 ? 0 : ((list.length / legit) * 100).toFixed(2)} %)`];
  if (list.length === 0) return out;
  const line = (label: string, counts: Record<string, number>) =>
    `  by ${label}: ${Object.entries(counts)
      .sort(([, a], [, b]) => b - a)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`;
  out.push(
    line(
      'rule',
      bySubjectCount(list, (f) => f.rules),
    ),
    line(
      'population',
      bySubjectCount(list, (f) => [f.population ?? '?']),
    ),
  );
  out.push(
    line(
      'subject kind',
      bySubjectCount(list, (f) => [f.subject.slice(0, f.subject.indexOf(':'))]),
    ),
  );
  const worst = [...list].sort((a, b) => b.verdicts - a.verdicts || a.firstAt - b.firstAt).slice(0, MAX_LISTED);
  for (const f of worst) out.push(`  ${f.tenant} ${f.subject} (${f.population ?? '?'})  ${f.rules.join(', ')}  x${f.verdicts}  first ${when(f.firstAt)}`);
  if (list.length > worst.length) out.push(`  … and ${list.length - worst.length} more`);
  return out;
}

/** Left-aligned columns, right-aligned where `numeric` says. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((cell, i) => (numeric.includes(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}
