import type { Logger } from 'pino';
import { verdictBrief, type CdrIngest, type IngestRejection, type IngestSummary, type VerdictBrief } from '../api/ports.js';
import { recordOfBlock, type BlockRecord } from '../domain/blocks/record.js';
import { createDecoder, parseFormatSpec, validate, type DecoderContext } from '../domain/cdr/formats/registry.js';
import type { Engine } from '../domain/engine/engine.js';
import { SentinelaError, toSentinelaError } from '../errors.js';
import { PendingBatch } from './batch.js';
import { RuleReporter, type ProcessorMetrics } from './metrics.js';
import type { CdrStore, SourceRef } from './ports.js';
import { rebuildEngine } from './state-rebuild.js';

/** HTTP-ingested CDRs are one stream: rebuilt from ClickHouse like a Kafka partition. */
export const HTTP_STREAM = { topic: 'http', partition: 0 } as const;
const NO_TOPICS = { blocks: '', alerts: '', dlq: '' };

export interface LocalPipelineOptions {
  readonly newEngine: () => Engine;
  readonly decoders: DecoderContext;
  readonly store: CdrStore;
  readonly maxLineBytes: number;
  readonly metrics: ProcessorMetrics;
  readonly log: Logger;
  /** New blocks, once persisted: the API applies them and pushes them on. */
  readonly onBlocks: (records: readonly BlockRecord[]) => void;
  /** Critical alerts, once stored (A1: administrators are notified). */
  readonly onCritical?: (alerts: readonly VerdictBrief[]) => void;
  readonly clock?: () => number;
}

/**
 * The pipeline without Kafka (embedded mode): request bodies through the same decoders, engine, batch and
 * persist order as the stream processor. One body at a time; the answer comes once everything is persisted, so
 * an acknowledged record is never lost (a failed persist answers 503 and the sender retries: ids dedupe).
 */
export class LocalPipeline implements CdrIngest {
  private engine: Engine | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly rules: RuleReporter;
  private readonly clock: () => number;

  constructor(private readonly o: LocalPipelineOptions) {
    this.clock = o.clock ?? Date.now;
    this.rules = new RuleReporter(o.metrics);
  }

  get ready(): boolean {
    return this.engine !== undefined;
  }

  /** Rebuilds rule state from what earlier runs stored (README "State"). */
  async start(): Promise<void> {
    const { engine, replayed } = await rebuildEngine(this.o.store, this.o.newEngine, { [HTTP_STREAM.topic]: [HTTP_STREAM.partition] }, this.clock());
    this.engine = engine;
    this.rules.baseline(engine.ruleStats);
    this.o.log.info({ replayed }, 'embedded pipeline: rule state rebuilt');
  }

  /** Rebuilds until the store answers again; ingest answers INGEST_UNAVAILABLE (503, retry) meanwhile. */
  private async restart(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        return;
      } catch (err) {
        this.o.log.error({ err, attempt }, 'embedded pipeline: rebuild failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6))));
      }
    }
  }

  ingest(body: Buffer, format: string): Promise<IngestSummary> {
    const run = this.lock.then(() => this.ingestNow(body, format));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async ingestNow(body: Buffer, format: string): Promise<IngestSummary> {
    const engine = this.engine;
    if (!engine) throw new SentinelaError('INGEST_UNAVAILABLE', 'the embedded pipeline is still rebuilding its rule state');
    const spec = parseFormatSpec(format);
    const decoder = createDecoder(spec, this.o.decoders);
    const batch = new PendingBatch(NO_TOPICS);
    const rejected: IngestRejection[] = [];
    let received = 0;
    let duplicates = 0;
    const now = this.clock();
    const m = this.o.metrics;
    let start = 0;
    for (let line = 1; start < body.length; line++) {
      let end = body.indexOf(10, start);
      if (end < 0) end = body.length;
      const payload = body.subarray(start, end > start && body[end - 1] === 13 ? end - 1 : end);
      start = end + 1;
      if (payload.length === 0 || (payload.length === 1 && payload[0] === 13)) continue;
      received++;
      m.messages.inc({ topic: HTTP_STREAM.topic });
      const source: SourceRef = { kind: 'http', topic: HTTP_STREAM.topic, partition: HTTP_STREAM.partition, offset: line, format: decoder.format };
      const results =
        payload.length > this.o.maxLineBytes
          ? [{ ok: false as const, error: new SentinelaError('CDR_TOO_LARGE', `line is ${payload.length} bytes, the limit is ${this.o.maxLineBytes}`) }]
          : validate(decoder.decode(payload, line));
      for (const result of results) {
        if (!result.ok) {
          m.rejected.inc({ code: result.error.code });
          batch.addRejected(payload, null, result.error, source);
          rejected.push({ line, code: result.error.code, message: result.error.message, path: result.error.details.path ?? '' });
          continue;
        }
        const status = batch.evaluate(engine, result.cdr, source, now);
        m.cdrs.inc({ status });
        if (status === 'duplicate') duplicates++;
      }
    }
    try {
      await batch.store(this.o.store);
    } catch (err) {
      // the engine counted these CDRs already; a retry of the same body is recognised as duplicates, and the
      // rows come back with the next rebuild only if stored, so rebuild now to keep state equal to storage
      const error = toSentinelaError(err, 'STORE_UNAVAILABLE');
      m.storeErrors.inc({ code: error.code });
      this.engine = undefined;
      void this.restart();
      throw error;
    }
    this.rules.report(engine.ruleStats);
    if (batch.blocks.length > 0) this.o.onBlocks(batch.blocks.map(recordOfBlock));
    const critical = batch.alerts.filter((a) => a.severity === 'critical').map(verdictBrief);
    if (critical.length > 0) this.o.onCritical?.(critical);
    m.batchRows.observe(batch.cdrs.length);
    return { received, accepted: batch.cdrs.length, duplicates, rejected, verdicts: [...batch.alerts, ...batch.blocks].map(verdictBrief) };
  }
}
