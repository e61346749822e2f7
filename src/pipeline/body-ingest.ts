import type { CdrIngest, IngestRejection, IngestSummary } from '../api/ports.js';
import { parseFormatSpec } from '../domain/cdr/formats/registry.js';
import { EVENT_STATUSES, type EventStatus } from '../domain/engine/engine.js';
import { verdictBrief } from '../domain/engine/verdict-json.js';
import { SentinelaError } from '../errors.js';
import type { Pipeline, StreamRef, Tally } from './pipeline.js';

/** HTTP-ingested CDRs are one stream: rebuilt from ClickHouse like a Kafka partition. */
export const HTTP_STREAM: StreamRef = { kind: 'http', topic: 'http', partition: 0 };

/**
 * CDRs in request bodies (the embedded mode's `POST /v1/cdrs`) as a pipeline source: one record per line, the
 * body's records sealed as one batch. The answer comes once that batch is persisted, so an acknowledged record
 * is never lost; while the store is down the answer is 503 and the sender retries (ids dedupe).
 */
export class BodyIngest implements CdrIngest {
  /** `waitMs`: how long an answer waits for a store that fails; then 503 while the batch stays queued (sender retries, ids dedupe). */
  constructor(
    private readonly pipeline: Pipeline,
    private readonly waitMs = 30_000,
  ) {}

  private async persisted(done: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new SentinelaError('INGEST_UNAVAILABLE', `not persisted within ${this.waitMs / 1000} s (the store fails); kept queued, send again`)),
        this.waitMs,
      );
    });
    try {
      await Promise.race([done, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async ingest(body: Buffer, format: string, tenant?: string): Promise<IngestSummary> {
    const pipeline = this.pipeline;
    if (!pipeline.running) throw new SentinelaError('INGEST_UNAVAILABLE', `the embedded pipeline cannot take CDRs now (${pipeline.health().reason})`);
    const decoder = pipeline.newDecoder(parseFormatSpec(format));
    const tally: Tally = { statuses: Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<EventStatus, number>, rejected: 0, skipped: 0 };
    let received = 0;
    let start = 0;
    // every record is taken synchronously, then sealed: the batch holds exactly this body (and only it, even
    // when a record throws: what was taken is persisted, the sender's retry is recognised as duplicates)
    let batch;
    try {
      for (let line = 1; start < body.length; line++) {
        let end = body.indexOf(10, start);
        if (end < 0) end = body.length;
        const payload = body.subarray(start, end > start && body[end - 1] === 13 ? end - 1 : end);
        start = end + 1;
        if (payload.length === 0) continue;
        received++;
        pipeline.accept(HTTP_STREAM, decoder, payload, null, line, tally, tenant);
      }
    } finally {
      batch = pipeline.seal();
    }
    await this.persisted(batch.done);
    const rejected: IngestRejection[] = batch.rejected.map((r) => ({ line: r.source.offset, code: r.code, message: r.message, path: r.path }));
    return {
      received,
      accepted: batch.cdrs.length + batch.events.length,
      duplicates: tally.statuses.duplicate,
      skipped: tally.skipped,
      rejected,
      verdicts: batch.verdicts.map(verdictBrief),
    };
  }
}
