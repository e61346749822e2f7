import { EVENT_STATUSES, type EventStatus, type RuleStats } from '../../domain/engine/engine.js';
import type { FormatSpec } from '../../domain/cdr/formats/registry.js';
import { verdictJson } from '../../domain/engine/verdict-json.js';
import type { ErrorCode } from '../../errors.js';
import { Pipeline, type PipelineParts, type StreamRef, type Tally } from '../../pipeline/pipeline.js';
import type { BatchSink } from '../../pipeline/ports.js';
import type { BlockCheckService } from '../../api/block-check.js';
import type { Verdict } from '../../domain/engine/verdicts.js';
import type { Attempt, ReplayItem } from './attempts.js';

export interface ReplaySinks {
  /** One NDJSON verdict line. */
  readonly verdict: (line: string) => void;
  /** A rejected input line, already formatted with its number. */
  readonly rejected: (message: string) => void;
  readonly progress?: (summary: ReplaySummary) => void;
}

export interface ReplaySummary extends Tally {
  lines: number;
  blank: number;
  /** CDRs the decoder produced (a line may hold several, a correlated call spans several). */
  cdrs: number;
  rejectedByCode: Partial<Record<ErrorCode, number>>;
  alerts: number;
  blocks: number;
  rules: Record<string, RuleStats>;
  elapsedMs: number;
  /** replay --attempts: block-checks asked, answered other than allow, and the cost those calls' CDRs carry. */
  attempts?: { asked: number; refused: number; throttled: number; refusedCost: number; late: number };
}

/** replay --attempts: the block-check service answering the simulated PBX, made with the replay's verdict writer. */
export type AttemptService = (onVerdicts: (verdicts: readonly Verdict[]) => void) => BlockCheckService;

export interface ReplayClock {
  /** Wall-clock milliseconds, for throughput and progress only (never given to the engine). */
  readonly now: () => number;
  readonly progressEveryMs: number;
}

const FILE_STREAM: StreamRef = { kind: 'file', topic: 'file', partition: 0 };
/** Records per batch: verdicts reach stdout in order, a batch at a time. */
const BATCH = 1024;

/**
 * Replay is the pipeline with a file for source and stdout for sink: records (lines, or whole documents) go
 * through the same decoders, contract and engine as live traffic, with event time as the clock. A bad record is
 * reported with its line number and error and the run goes on.
 */
export async function replay(
  records: AsyncIterable<string | ReplayItem>,
  format: FormatSpec,
  parts: PipelineParts,
  sinks: ReplaySinks,
  clock: ReplayClock,
  attemptService?: AttemptService,
): Promise<ReplaySummary> {
  const started = clock.now();
  let lastProgress = started;
  const summary: ReplaySummary = {
    lines: 0,
    blank: 0,
    cdrs: 0,
    rejected: 0,
    skipped: 0,
    rejectedByCode: {},
    statuses: Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<EventStatus, number>,
    alerts: 0,
    blocks: 0,
    rules: {},
    elapsedMs: 0,
  };
  const emit = (v: Verdict) => {
    if (v.kind === 'alert') summary.alerts++;
    else if (v.throttle === undefined) summary.blocks++; // throttles: per rule below
    sinks.verdict(verdictJson(v));
  };
  // attempt mode: the simulated PBX's clock (attempt starts, CDR arrivals) and the service it asks
  let now = -Infinity;
  const service = attemptService?.((verdicts) => verdicts.forEach(emit));
  if (service) summary.attempts = { asked: 0, refused: 0, throttled: 0, refusedCost: 0, late: 0 };
  const out: BatchSink = async (batch) => {
    if (service) {
      // the CDR engine's blocks reach the block table before the next attempt
      service.heard(now);
      for (const v of batch.verdicts) if (v.kind === 'block') service.table.apply(v, now);
    }
    for (const r of batch.rejected) {
      summary.rejectedByCode[r.code as ErrorCode] = (summary.rejectedByCode[r.code as ErrorCode] ?? 0) + 1;
      sinks.rejected(`line ${r.source.offset < 0 ? summary.lines : r.source.offset}: ${r.code}: ${r.message}`);
    }
    for (const v of batch.verdicts) emit(v);
  };
  const pipeline = new Pipeline({ ...parts, sinks: [out], clock: 'event-time' });
  await pipeline.start();
  const decoder = pipeline.decoderFor(FILE_STREAM, format);
  const flush = async () => {
    pipeline.seal();
    await pipeline.settle();
  };
  if (service) service.markLoaded(now);
  for await (const item of records) {
    if (typeof item !== 'string') now = Math.max(now, item.at);
    if (typeof item !== 'string' && item.kind === 'attempt') {
      // verdicts still in the open batch are flushed (written, blocks applied) before the PBX asks again
      if (pipeline.pendingVerdicts > 0) await flush();
      if (service && summary.attempts) ask(service, item, now, summary.attempts, sinks);
      continue;
    }
    // a CDR closes its call: block-check no longer counts it live
    if (service && typeof item !== 'string') for (const cdr of item.cdrs) service.ended(cdr, now);
    const line = typeof item === 'string' ? item : item.line;
    summary.lines++;
    if (line.trim() === '') {
      summary.blank++;
      continue;
    }
    pipeline.accept(FILE_STREAM, decoder, line, null, summary.lines, summary);
    if (pipeline.pendingRecords >= BATCH) await flush();
    if (sinks.progress && (summary.lines & 1023) === 0) {
      const now = clock.now();
      if (now - lastProgress >= clock.progressEveryMs) {
        lastProgress = now;
        summary.elapsedMs = now - started;
        sinks.progress(summary);
      }
    }
  }
  pipeline.release('all', summary);
  await flush();
  await pipeline.stop();
  summary.cdrs = Object.values(summary.statuses).reduce((n, c) => n + c, 0);
  summary.elapsedMs = clock.now() - started;
  summary.rules = Object.fromEntries([...pipeline.ruleStats].filter(([, s]) => s.alerts + s.blocks + s.suppressed > 0));
  return summary;
}
/** One block-check of the simulated PBX; an answer other than allow is written as a `refused` line. */
function ask(service: BlockCheckService, a: Attempt, now: number, tally: NonNullable<ReplaySummary['attempts']>, sinks: ReplaySinks): void {
  tally.asked++;
  service.heard(now);
  const answer = service.check(a.query, now);
  if (answer.action === 'allow') return;
  if (answer.action === 'block') {
    tally.refused++;
    tally.refusedCost += a.cost ?? 0;
  } else tally.throttled++;
  sinks.verdict(
    JSON.stringify({
      kind: 'refused',
      tenant: a.query.tenant,
      callId: a.query.callId,
      at: new Date(a.at).toISOString(),
      action: answer.action,
      account: a.query.account,
      caller: a.query.caller,
      callee: a.query.callee,
      reasons: answer.reasons,
    }),
  );
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
    ...(s.skipped > 0 ? [row('skipped (irrelevant lines)', s.skipped)] : []),
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
    for (const [id, r] of rules)
      out.push(
        `    ${id.padEnd(width)}  alerts ${r.alerts}  blocks ${r.blocks}${r.throttles > 0 ? `  throttles ${r.throttles}` : ''}  suppressed ${r.suppressed}`,
      );
  }
  const a = s.attempts;
  if (a) {
    out.push(row('block-checks asked', `${a.asked}${a.late ? ` (${a.late} after their call's CDR window)` : ''}`));
    out.push(row('  refused', `${a.refused} (R$ ${a.refusedCost.toFixed(2)} in CDRs that carry a cost)`));
    if (a.throttled > 0) out.push(row('  throttled', a.throttled));
  }
  out.push(row('throughput', `${rate} lines/s (${(s.elapsedMs / 1000).toFixed(2)} s)`));
  return out;
}

function formatCodes(codes: Partial<Record<string, number>>): string {
  const entries = Object.entries(codes);
  return entries.length === 0 ? '' : ` (${entries.map(([c, n]) => `${c} ${n}`).join(', ')})`;
}
