import { EVENT_STATUSES, type EventStatus, type RuleStats } from '../../domain/engine/engine.js';
import type { FormatSpec } from '../../domain/cdr/formats/registry.js';
import { verdictJson } from '../../domain/engine/verdict-json.js';
import type { ErrorCode } from '../../errors.js';
import { Pipeline, type PipelineParts, type StreamRef, type Tally } from '../../pipeline/pipeline.js';
import type { BatchSink } from '../../pipeline/ports.js';

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
}

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
  records: AsyncIterable<string>,
  format: FormatSpec,
  parts: PipelineParts,
  sinks: ReplaySinks,
  clock: ReplayClock,
): Promise<ReplaySummary> {
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
  const out: BatchSink = async (batch) => {
    for (const r of batch.rejected) {
      summary.rejectedByCode[r.code as ErrorCode] = (summary.rejectedByCode[r.code as ErrorCode] ?? 0) + 1;
      sinks.rejected(`line ${r.source.offset < 0 ? summary.lines : r.source.offset}: ${r.code}: ${r.message}`);
    }
    for (const v of batch.verdicts) {
      if (v.kind === 'alert') summary.alerts++;
      else summary.blocks++;
      sinks.verdict(verdictJson(v));
    }
  };
  const pipeline = new Pipeline({ ...parts, sinks: [out], clock: 'event-time' });
  await pipeline.start();
  const decoder = pipeline.decoderFor(FILE_STREAM, format);
  const flush = async () => {
    pipeline.seal();
    await pipeline.settle();
  };
  for await (const line of records) {
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
