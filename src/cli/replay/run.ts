import { EVENT_STATUSES, type Engine, type EventStatus, type RuleStats } from '../../domain/engine/engine.js';
import { verdictJson } from '../../domain/engine/verdicts.js';
import type { Decoder } from '../../domain/cdr/formats/types.js';
import { validate } from '../../domain/cdr/formats/registry.js';
import type { CdrResult } from '../../domain/cdr/parse.js';
import type { ErrorCode } from '../../errors.js';

export interface ReplaySinks {
  /** One NDJSON verdict line. */
  readonly verdict: (line: string) => void;
  /** A rejected input line, already formatted with its number. */
  readonly rejected: (message: string) => void;
  readonly progress?: (summary: ReplaySummary) => void;
}

export interface ReplaySummary {
  lines: number;
  blank: number;
  /** CDRs the decoder produced (a line may hold several, a correlated call spans several). */
  cdrs: number;
  rejected: number;
  rejectedByCode: Partial<Record<ErrorCode, number>>;
  statuses: Record<EventStatus, number>;
  alerts: number;
  blocks: number;
  rules: Record<string, RuleStats>;
  elapsedMs: number;
}

export interface ReplayClock {
  /** Wall-clock milliseconds, for throughput and progress only (never given to the engine). */
  readonly now: () => number;
  readonly progressEveryMs: number;
}

/**
 * Feeds records (lines, or whole documents) through a format decoder, the canonical contract and the engine
 * with event time as the clock. A bad record is reported with its line number and error and the run goes on.
 */
export async function replay(lines: AsyncIterable<string>, decoder: Decoder, engine: Engine, sinks: ReplaySinks, clock: ReplayClock): Promise<ReplaySummary> {
  const started = clock.now();
  let lastProgress = started;
  const summary: ReplaySummary = {
    lines: 0,
    blank: 0,
    cdrs: 0,
    rejected: 0,
    rejectedByCode: {},
    statuses: Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<EventStatus, number>,
    alerts: 0,
    blocks: 0,
    rules: {},
    elapsedMs: 0,
  };
  const evaluate = (decoded: CdrResult, line: number) => {
    if (!decoded.ok) {
      summary.rejected++;
      const code = decoded.error.code;
      summary.rejectedByCode[code] = (summary.rejectedByCode[code] ?? 0) + 1;
      sinks.rejected(`line ${line}: ${code}: ${decoded.error.message}`);
      return;
    }
    summary.cdrs++;
    const outcome = engine.process(decoded.cdr, Math.max(engine.eventTime, decoded.cdr.startedAt));
    summary.statuses[outcome.status]++;
    for (const v of outcome.verdicts) {
      if (v.kind === 'alert') summary.alerts++;
      else summary.blocks++;
      sinks.verdict(verdictJson(v));
    }
  };
  for await (const line of lines) {
    summary.lines++;
    if (line.trim() === '') {
      summary.blank++;
      continue;
    }
    for (const result of validate(decoder.decode(line, summary.lines))) evaluate(result, summary.lines);
    if (sinks.progress && (summary.lines & 1023) === 0) {
      const now = clock.now();
      if (now - lastProgress >= clock.progressEveryMs) {
        lastProgress = now;
        summary.elapsedMs = now - started;
        sinks.progress(summary);
      }
    }
  }
  for (const result of validate(decoder.drain?.() ?? [])) evaluate(result, summary.lines);
  summary.elapsedMs = clock.now() - started;
  summary.rules = Object.fromEntries([...engine.ruleStats].filter(([, s]) => s.alerts + s.blocks + s.suppressed > 0));
  return summary;
}

/** Human-readable summary lines for stderr. */
export function formatSummary(s: ReplaySummary, latenessText: string): string[] {
  const rate = s.elapsedMs > 0 ? Math.round(((s.lines - s.blank) / s.elapsedMs) * 1000) : 0;
  const row = (label: string, value: string | number) => `  ${label.padEnd(26)}${value}`;
  const out = [
    'replay summary',
    row('lines read', `${s.lines}${s.blank ? ` (${s.blank} blank)` : ''}`),
    row('CDRs decoded', s.cdrs),
    row('CDRs evaluated', s.statuses.evaluated),
    row('rejected', `${s.rejected}${formatCodes(s.rejectedByCode)}`),
    row(`too late (> ${latenessText})`, s.statuses['too-late']),
    row('from the future', s.statuses.future),
    row('emergency (not counted)', s.statuses.emergency),
    row('duplicates / extra legs', `${s.statuses.duplicate} / ${s.statuses.leg}`),
    row('alerts', s.alerts),
    row('blocks', s.blocks),
  ];
  const rules = Object.entries(s.rules);
  if (rules.length > 0) {
    const width = Math.max(...rules.map(([id]) => id.length));
    out.push('  by rule:');
    for (const [id, r] of rules) out.push(`    ${id.padEnd(width)}  alerts ${r.alerts}  blocks ${r.blocks}  suppressed ${r.suppressed}`);
  }
  out.push(row('throughput', `${rate} lines/s (${(s.elapsedMs / 1000).toFixed(2)} s)`));
  return out;
}

function formatCodes(codes: Partial<Record<string, number>>): string {
  const entries = Object.entries(codes);
  return entries.length === 0 ? '' : ` (${entries.map(([c, n]) => `${c} ${n}`).join(', ')})`;
}
