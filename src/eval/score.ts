import type { Labels, LabelEpisode } from '../sim/labels.js';
import { budgetFor, judgeBudget, type BudgetResult } from './budget.js';
import type { CdrFacts, RefusalRecord, VerdictRecord } from './inputs.js';
import { round2 } from '../domain/round.js';

/** Scoring of verdicts against labels: pure, so tests build both by hand. */

export interface ScoreOptions {
  /** A verdict this long before an episode's first call still counts for it (windows reach back). */
  readonly leadMs: number;
  /** …and this long after its last call ends (the allowed lateness: late CDRs may complete a window). */
  readonly latenessMs: number;
}
export const DEFAULT_SCORE_OPTIONS: ScoreOptions = { leadMs: 3_600_000, latenessMs: 6 * 3_600_000 };

export interface FirstDetection {
  readonly rule: string;
  readonly kind: 'alert' | 'block';
  readonly subject: string;
  readonly at: number;
  /** Verdict line (emission order). */
  readonly line: number;
}

export interface EpisodeScore {
  readonly episode: LabelEpisode;
  readonly fraudCdrs: number;
  readonly fraudCost: number;
  readonly detected: boolean;
  /** Rules with a critical alert or block on an acceptable subject in the episode's window. */
  readonly rules: readonly string[];
  readonly first?: FirstDetection;
  /** The episode's CDRs (and their cost) that had arrived when the first detecting verdict was emitted. */
  readonly arrived?: number;
  readonly arrivedCost?: number;
  /** Its calls block-check refused (replay --attempts), their true cost, and the first one's attempt position. */
  readonly refused: number;
  readonly prevented: number;
  readonly firstRefusedAttempt?: number;
  /** Absent when the episode has no budget. */
  readonly budget?: BudgetResult;
}

export interface FlaggedSubject {
  readonly tenant: string;
  readonly subject: string;
  /** Population of a legitimate subject; absent for subjects neither legitimate nor acceptable. */
  readonly population?: string;
  readonly rules: readonly string[];
  readonly verdicts: number;
  readonly firstAt: number;
}

export interface Score {
  readonly episodes: readonly EpisodeScore[];
  readonly legitSubjects: number;
  /** Legitimate subjects blocked outside any episode they are acceptable for. */
  readonly fpBlocked: readonly FlaggedSubject[];
  /** The same for critical alerts. */
  readonly fpCritical: readonly FlaggedSubject[];
  /** Blocks on subjects that are neither legitimate nor explained by an episode (a legit destination prefix…). */
  readonly otherBlocked: readonly FlaggedSubject[];
  readonly alerts: number;
  readonly blocks: number;
  /** Refused attempts of legitimate calls (not in any episode), by the rule of their first reason. */
  readonly refusedLegit: Readonly<Record<string, number>>;
  /** Whether the verdicts came with the attempts' answers (replay --attempts). */
  readonly attempts: boolean;
}

const key = (tenant: string, subject: string) => `${tenant}\u0000${subject}`;
const counts = (v: VerdictRecord) => v.kind === 'block' || v.severity === 'critical';

export function score(
  labels: Labels,
  cdr: (id: string) => CdrFacts | undefined,
  verdicts: readonly VerdictRecord[],
  o: ScoreOptions = DEFAULT_SCORE_OPTIONS,
  refusals: readonly RefusalRecord[] = [],
  /** The last CDR line arrived before an instant: places verdicts with no CDR evidence (attempt rules) in the file. */
  arrivedBefore?: (t: number) => number,
): Score {
  const refused = new Map<string, RefusalRecord>();
  for (const r of refusals) if (r.action === 'block' && !refused.has(key(r.tenant, r.callId))) refused.set(key(r.tenant, r.callId), r);
  const ordered = [...verdicts].sort((a, b) => a.line - b.line);
  // a verdict is emitted when its last evidence CDR arrived; verdicts are written in emission order, so the
  // running maximum also covers a verdict whose evidence ids fell out of the engine's ring
  const emission = new Map<VerdictRecord, number>();
  let point = -1;
  for (const v of ordered) {
    let found = false;
    for (const id of v.evidence) {
      const f = cdr(id);
      if (f) point = Math.max(point, f.index);
      found ||= f !== undefined;
    }
    // an attempt rule's verdict is emitted at its block-check: after the CDRs that arrived before it
    if (!found && arrivedBefore) point = Math.max(point, arrivedBefore(v.at));
    emission.set(v, point);
  }
  const windows = new Map<string, { from: number; to: number }[]>();
  for (const e of labels.episodes) {
    const range = { from: Date.parse(e.startsAt) - o.leadMs, to: Date.parse(e.endsAt) + o.latenessMs };
    for (const s of e.acceptable) {
      const k = key(e.tenant, `${s.kind}:${s.value}`);
      windows.set(k, [...(windows.get(k) ?? []), range]);
    }
  }
  const explained = (v: VerdictRecord) => (windows.get(key(v.tenant, subjectText(v))) ?? []).some((w) => v.at >= w.from && v.at <= w.to);

  const episodes = labels.episodes.map((e): EpisodeScore => {
    const from = Date.parse(e.startsAt) - o.leadMs;
    const to = Date.parse(e.endsAt) + o.latenessMs;
    const acceptable = new Set(e.acceptable.map((s) => `${s.kind}:${s.value}`));
    // the true cost (labels), since CDRs of some exporters carry none
    const calls = e.cdrIds.flatMap((id, i) => {
      const f = cdr(id);
      return f === undefined ? [] : [{ id, f, cost: e.cdrCosts?.[i] ?? f.cost }];
    });
    const stopped = calls.filter((c) => refused.has(key(e.tenant, c.id)));
    const attemptsInOrder = calls.filter((c) => c.f.outbound !== false).sort((a, b) => (a.f.startedAt ?? 0) - (b.f.startedAt ?? 0) || a.f.index - b.f.index);
    const firstRefused = attemptsInOrder.findIndex((c) => refused.has(key(e.tenant, c.id)));
    const base = {
      episode: e,
      fraudCdrs: e.cdrIds.length,
      fraudCost: round2(calls.reduce((n, c) => n + c.cost, 0)),
      refused: stopped.length,
      prevented: round2(stopped.reduce((n, c) => n + c.cost, 0)),
      ...(firstRefused >= 0 ? { firstRefusedAttempt: firstRefused + 1 } : {}),
    };
    const budget = budgetFor(e);
    const judged = (d: { arrived?: number; arrivedCost?: number }) => (budget ? { budget: judgeBudget(budget, { ...d, ...base }) } : {});
    const hits = ordered.filter((v) => counts(v) && v.tenant === e.tenant && acceptable.has(subjectText(v)) && v.at >= from && v.at <= to);
    const firstHit = hits[0];
    if (!firstHit) return { ...base, detected: stopped.length > 0, rules: [], ...judged({}) };
    const at = emission.get(firstHit) as number;
    const arrived = calls.filter((c) => c.f.index <= at);
    const d = { arrived: arrived.length, arrivedCost: round2(arrived.reduce((n, c) => n + c.cost, 0)) };
    return {
      ...base,
      detected: true,
      rules: [...new Set(hits.map((v) => v.rule))].sort(),
      first: { rule: firstHit.rule, kind: firstHit.kind, subject: subjectText(firstHit), at: firstHit.at, line: firstHit.line },
      ...d,
      ...judged(d),
    };
  });
  const inEpisodes = new Set(labels.episodes.flatMap((e) => e.cdrIds.map((id) => key(e.tenant, id))));
  const refusedLegit: Record<string, number> = {};
  for (const [k, r] of refused) if (!inEpisodes.has(k)) refusedLegit[r.rules[0] ?? '?'] = (refusedLegit[r.rules[0] ?? '?'] ?? 0) + 1;

  const legit = new Map(labels.legitimate.map((s) => [key(s.tenant, `${s.kind}:${s.value}`), s.population]));
  const fpBlocked = new Flagged();
  const fpCritical = new Flagged();
  const other = new Flagged();
  for (const v of ordered) {
    if (!counts(v) || explained(v)) continue;
    const population = legit.get(key(v.tenant, subjectText(v)));
    if (population !== undefined) (v.kind === 'block' ? fpBlocked : fpCritical).add(v, population);
    else if (v.kind === 'block') other.add(v);
  }
  return {
    episodes,
    legitSubjects: legit.size,
    fpBlocked: fpBlocked.list(),
    fpCritical: fpCritical.list(),
    otherBlocked: other.list(),
    alerts: verdicts.filter((v) => v.kind === 'alert').length,
    blocks: verdicts.filter((v) => v.kind === 'block').length,
    refusedLegit,
    attempts: refusals.length > 0,
  };
}

class Flagged {
  private readonly subjects = new Map<
    string,
    { tenant: string; subject: string; population?: string; rules: Set<string>; verdicts: number; firstAt: number }
  >();
  add(v: VerdictRecord, population?: string): void {
    const k = key(v.tenant, subjectText(v));
    const entry = this.subjects.get(k) ?? {
      tenant: v.tenant,
      subject: subjectText(v),
      ...(population ? { population } : {}),
      rules: new Set<string>(),
      verdicts: 0,
      firstAt: v.at,
    };
    entry.rules.add(v.rule);
    entry.verdicts++;
    entry.firstAt = Math.min(entry.firstAt, v.at);
    this.subjects.set(k, entry);
  }
  list(): FlaggedSubject[] {
    return [...this.subjects.values()].map((e) => ({ ...e, rules: [...e.rules].sort() }));
  }
}

function subjectText(v: VerdictRecord): string {
  return `${v.subject.kind}:${v.subject.value}`;
}

/** Median (mean of the middle two), p90 (nearest rank) and max; nulls for an empty list. */
export function spread(values: readonly number[]): { median: number | null; p90: number | null; max: number | null } {
  if (values.length === 0) return { median: null, p90: null, max: null };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, p90: s[Math.ceil(0.9 * s.length) - 1] as number, max: s[s.length - 1] as number };
}

/** Per rule (or population): how many distinct subjects it flagged. */
export function bySubjectCount(list: readonly FlaggedSubject[], of: (s: FlaggedSubject) => readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of list) for (const k of of(s)) out[k] = (out[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The machine-readable summary: evaluate's last line, and what bench:detection averages. */
export function summary(s: Score): Record<string, unknown> {
  const detected = s.episodes.filter((e) => e.detected);
  const rate = (n: number) => (s.legitSubjects === 0 ? 0 : Math.round((n / s.legitSubjects) * 1e6) / 1e6);
  return {
    episodes: s.episodes.length,
    detected: detected.length,
    missed: s.episodes.filter((e) => !e.detected).map((e) => e.episode.id),
    withinBudget: s.episodes.filter((e) => e.budget?.within === true).length,
    withBudget: s.episodes.filter((e) => e.budget !== undefined).length,
    missedBudget: s.episodes.filter((e) => e.budget?.within === false).map((e) => e.episode.id),
    arrivedAtDetection: spread(detected.map((e) => e.arrived as number)),
    legitSubjects: s.legitSubjects,
    fpBlockedSubjects: s.fpBlocked.length,
    fpBlockRate: rate(s.fpBlocked.length),
    fpCriticalSubjects: s.fpCritical.length,
    fpCriticalRate: rate(s.fpCritical.length),
    fpByRule: bySubjectCount(s.fpBlocked, (f) => f.rules),
    fpCriticalByRule: bySubjectCount(s.fpCritical, (f) => f.rules),
    fpByPopulation: bySubjectCount(s.fpBlocked, (f) => [f.population ?? '']),
    otherBlockedSubjects: s.otherBlocked.length,
    fraudCost: round2(s.episodes.reduce((n, e) => n + e.fraudCost, 0)),
    fraudCostBeforeDetection: round2(detected.reduce((n, e) => n + (e.arrivedCost as number), 0)),
    fraudCostMissed: round2(s.episodes.filter((e) => !e.detected).reduce((n, e) => n + e.fraudCost, 0)),
    ...(s.attempts
      ? {
          fraudCallsRefused: s.episodes.reduce((n, e) => n + e.refused, 0),
          fraudCostPrevented: round2(s.episodes.reduce((n, e) => n + e.prevented, 0)),
          legitCallsRefused: Object.values(s.refusedLegit).reduce((n, c) => n + c, 0),
          legitRefusedByRule: s.refusedLegit,
        }
      : {}),
  };
}
