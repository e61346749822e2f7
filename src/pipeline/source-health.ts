import type { Logger } from 'pino';
import type { RecordResult } from '../domain/cdr/formats/registry.js';
import type { Decoder } from '../domain/cdr/formats/types.js';
import { MatchRate, type MatchRateChange } from '../domain/signalling/match-rate.js';
import type { PipelineMetrics } from './metrics.js';
import type { SourceRef } from './ports.js';

/**
 * The match rate of each security-event source (topic and format): a source whose lines stop matching (a PBX
 * upgrade changed its log format) is logged at error, shown in `sentinela_security_source_match_ratio` and
 * handed to `changed` (the processor raises an A1 alarm), once when it fails and once when it recovers.
 */
export class SourceHealth {
  private readonly rates = new MatchRate();

  constructor(private readonly o: { log: Logger; metrics?: PipelineMetrics | undefined; changed?: ((change: MatchRateChange) => void) | undefined }) {}

  /** One record of a security source: `skipped` lines the decoder recognised and dropped while decoding it. */
  observe(source: SourceRef, decoder: Decoder, results: readonly RecordResult[], skipped: number, at: number): void {
    if (decoder.skipped === undefined) return; // a CDR source
    const name = `${source.topic}|${decoder.format}`;
    let change: MatchRateChange | undefined;
    const count = (recognised: boolean) => (change = this.rates.observe(name, recognised, at) ?? change);
    for (let i = 0; i < skipped; i++) count(true);
    for (const r of results) count(r.ok || r.error.code !== 'EVENT_UNRECOGNISED');
    const ratio = this.rates.ratioOf(name)?.ratio;
    if (ratio !== undefined) this.o.metrics?.matchRatio.set({ topic: source.topic, format: decoder.format }, ratio);
    if (!change) return;
    const fields = { topic: source.topic, format: decoder.format, ratio: Math.round(change.ratio * 1000) / 1000, lines: change.lines };
    if (change.state === 'failing') this.o.log.error(fields, 'security source: most lines match no pattern (log format changed?)');
    else this.o.log.info(fields, 'security source: lines match again');
    this.o.changed?.(change);
  }
}
