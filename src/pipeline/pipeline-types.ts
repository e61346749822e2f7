import type { Logger } from 'pino';
import type { DecoderContext } from '../domain/cdr/formats/registry.js';
import type { Engine, EventStatus } from '../domain/engine/engine.js';
import type { MatchRateChange } from '../domain/signalling/match-rate.js';
import type { Backoff } from '../retry.js';
import type { PendingBatch } from './batch.js';
import type { PipelineState } from './lifecycle.js';
import type { PipelineMetrics } from './metrics.js';
import type { BatchSink, CdrStore, SourceRef } from './ports.js';

/** One stream of records: a Kafka topic partition, the HTTP ingest, a replayed file. */
export interface StreamRef {
  readonly kind: SourceRef['kind'];
  readonly topic: string;
  readonly partition: number;
}

/** Counts a source keeps of what it fed in (replay's summary, an ingest answer). */
export interface Tally {
  readonly statuses: Record<EventStatus, number>;
  rejected: number;
  /** Security-log lines recognised as irrelevant to fraud (a challenge sent, a debug line): read, counted, not stored. */
  skipped: number;
}

/** What every pipeline is made of; the composition root builds it once per role. */
export interface PipelineParts {
  readonly newEngine: () => Engine;
  readonly decoders: DecoderContext;
  /** Where sealed batches go, in the crash-safe order (e.g. Kafka topics, then ClickHouse). */
  readonly sinks: readonly BatchSink[];
  readonly maxRecordBytes: number;
  readonly log: Logger;
  readonly metrics?: PipelineMetrics;
  /** Rule state is rebuilt from here on start and on every new assignment; absent: a fresh engine (replay). */
  readonly store?: CdrStore;
  /** The clock a CDR is evaluated at: the wall clock (epoch ms, bounds future CDRs), or its own event time (replay). */
  readonly clock: (() => number) | 'event-time';
  readonly backoff: Backoff;
  /** A security source's lines stopped (or started again) matching its decoder's patterns: the processor alarms (A1). */
  readonly sourceChanged?: (change: MatchRateChange) => void;
}

export interface PipelineHooks {
  /** Acknowledges a persisted batch to the source (commit offsets). */
  readonly ack?: (batch: PendingBatch) => Promise<void>;
  /** Every state change: a source pauses while the pipeline is not running. */
  readonly changed?: (state: PipelineState, previous: PipelineState) => void;
}
