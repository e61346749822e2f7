/**
 * `sentinela replay --compare`: what a rule change does to the same CDRs. The verdicts of two replays are tallied
 * per rule and subject (alerts by severity, blocks, throttles) and compared: a (rule, subject) that only the new
 * rules flag appears, one only the old rules flag disappears, one both flag with other counts changes.
 */

/** One rule's verdicts on one subject in one replay. */
export interface Tally {
  warn: number;
  critical: number;
  blocks: number;
  throttles: number;
}

export type Change = 'appears' | 'disappears' | 'changes';

export interface VerdictDiff {
  readonly change: Change;
  readonly rule: string;
  readonly tenant: string;
  /** `kind:value`, as verdicts write it. */
  readonly subject: string;
  readonly a: Tally;
  readonly b: Tally;
}

export interface Comparison {
  readonly diffs: readonly VerdictDiff[];
  /** (rule, subject) pairs flagged alike by both. */
  readonly unchanged: number;
  readonly byRule: Readonly<Record<string, Record<Change, number>>>;
}

const EMPTY: Tally = Object.freeze({ warn: 0, critical: 0, blocks: 0, throttles: 0 });

/** The verdicts of one replay, by rule and subject: fed the NDJSON lines replay writes (refusals are skipped). */
export class VerdictTallies {
  readonly byKey = new Map<string, Tally>();

  add(line: string): void {
    const v = JSON.parse(line) as { kind?: string; rule?: string; tenant?: string; subject?: string; severity?: string; throttle?: unknown };
    if ((v.kind !== 'alert' && v.kind !== 'block') || v.rule === undefined || v.subject === undefined) return;
    const key = `${v.rule}\u0000${v.subject}\u0000${v.tenant ?? ''}`;
    let t = this.byKey.get(key);
    if (!t) this.byKey.set(key, (t = { ...EMPTY }));
    if (v.kind === 'block') {
      if (v.throttle === undefined) t.blocks++;
      else t.throttles++;
    } else if (v.severity === 'critical') t.critical++;
    else t.warn++;
  }
}

const same = (a: Tally, b: Tally) => a.warn === b.warn && a.critical === b.critical && a.blocks === b.blocks && a.throttles === b.throttles;

/** A's and B's verdicts compared, sorted by rule, change and subject. */
export function compareTallies(a: VerdictTallies, b: VerdictTallies): Comparison {
  const diffs: VerdictDiff[] = [];
  let unchanged = 0;
  for (const key of new Set([...a.byKey.keys(), ...b.byKey.keys()])) {
    const ta = a.byKey.get(key) ?? EMPTY;
    const tb = b.byKey.get(key) ?? EMPTY;
    if (same(ta, tb)) {
      unchanged++;
      continue;
    }
    const [rule = '', subject = '', tenant = ''] = key.split('\u0000');
    const change: Change = !a.byKey.has(key) ? 'appears' : !b.byKey.has(key) ? 'disappears' : 'changes';
    diffs.push({ change, rule, tenant, subject, a: ta, b: tb });
  }
  diffs.sort(
    (x, y) => x.rule.localeCompare(y.rule) || x.change.localeCompare(y.change) || x.subject.localeCompare(y.subject) || x.tenant.localeCompare(y.tenant),
  );
  const byRule: Record<string, Record<Change, number>> = {};
  for (const d of diffs) (byRule[d.rule] ??= { appears: 0, disappears: 0, changes: 0 })[d.change]++;
  return { diffs, unchanged, byRule };
}

const counts = (t: Tally) => `${t.warn}w ${t.critical}c ${t.blocks}b${t.throttles > 0 ? ` ${t.throttles}t` : ''}`;

/** The report: one line per difference (at most `limit`), then per rule, then a machine-readable last line. */
export function formatComparison(c: Comparison, limit: number): string[] {
  const lines = [`change      rule                            subject                                   A (warn crit blocks)  B (w, c, b, t: throttles)`];
  for (const d of c.diffs.slice(0, limit)) {
    lines.push(`${d.change.padEnd(11)} ${d.rule.padEnd(31)} ${d.subject.padEnd(41)} ${counts(d.a).padEnd(21)} ${counts(d.b)}`);
  }
  if (c.diffs.length > limit) lines.push(`… ${c.diffs.length - limit} more differences (counted below)`);
  lines.push(`per rule (appears / disappears / changes), ${c.unchanged} subjects flagged alike:`);
  for (const [rule, n] of Object.entries(c.byRule)) lines.push(`  ${rule.padEnd(31)} +${n.appears} -${n.disappears} ~${n.changes}`);
  const total = (k: Change) => c.diffs.filter((d) => d.change === k).length;
  lines.push(
    JSON.stringify({
      compare: { appears: total('appears'), disappears: total('disappears'), changes: total('changes'), unchanged: c.unchanged, byRule: c.byRule },
    }),
  );
  return lines;
}
