import type { Logger } from 'pino';
import { ruleSetDigest } from '../security/config-fingerprint.js';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import type { Config, EngineConfig } from '../config/config.js';
import { createEngine } from '../domain/engine/build.js';
import type { Engine } from '../domain/engine/engine.js';
import type { ProfileBase } from '../domain/engine/profiles.js';
import type { PipelineMetrics } from '../pipeline/metrics.js';
import type { PipelineParts } from '../pipeline/pipeline.js';
import type { BatchSink, CdrStore } from '../pipeline/ports.js';
import type { Backoff } from '../retry.js';
import type { HotlistHolder } from '../domain/lists/hotlist.js';

/** How long a failing flush or rebuild waits before its next try (A11). */
export const STORE_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** The service's dialling defaults, as every engine (pipeline, API attempts, replay) takes them. */
export function engineBase(config: EngineConfig, timeZone = config.dialling.timeZone): ProfileBase {
  const d = config.dialling;
  return {
    timeZone,
    dialPlan: { homeCountry: d.homeCountry, defaultDdd: d.defaultDdd, outsideLinePrefix: d.outsideLinePrefix, internationalPrefix: d.internationalPrefix },
  };
}

/** The API's attempt rules (EV12, EV13): events at the moment of their check, with the lateness they always had. */
export const ATTEMPT_ENGINE = { on: 'attempt', allowedLatenessMs: 5_000 } as const;

/** What the attempt engine reads: an edit elsewhere keeps its windows (a new engine would start them again). */
export function attemptDigest(files: RuleFiles): string {
  return ruleSetDigest({ ...files, rules: files.rules.filter((r) => r.on === 'attempt'), signalling: [] });
}

/** A factory of fresh engines for CDR rules (`cdr`) or block-check attempt rules (`attempt`). */
export function engineFactory(
  config: EngineConfig,
  ruleFiles: RuleFiles,
  o: { on?: 'cdr' | 'attempt'; allowedLatenessMs?: number; timeZone?: string; hotlist?: HotlistHolder | undefined } = {},
): () => Engine {
  const base = engineBase(config, o.timeZone);
  const options = {
    on: o.on ?? 'cdr',
    allowedLatenessMs: o.allowedLatenessMs ?? config.rules.allowedLatenessMs,
    // a block-check attempt has a fresh id and its retransmissions never reach the engine (BlockCheckService)
    uniqueEvents: o.on === 'attempt',
    maxUsageSubjects: config.rules.maxUsageSubjects,
    ...(o.hotlist ? { hotlist: o.hotlist } : {}),
  };
  return () => createEngine(ruleFiles, base, options);
}

/** The parts of every pipeline of this deployment; sources and sinks differ per role. */
export function pipelineParts(o: {
  config: Config;
  ruleFiles: RuleFiles;
  log: Logger;
  sinks: readonly BatchSink[];
  store?: CdrStore;
  metrics?: PipelineMetrics;
  clock?: (() => number) | 'event-time';
  backoff?: Backoff;
  newEngine?: () => Engine;
  timeZone?: string;
  /** Shared hotlists the CDR rules check (issue 16). */
  hotlist?: HotlistHolder | undefined;
  /** A security source stopped (or started again) matching its patterns (the processor alarms, A1). */
  sourceChanged?: PipelineParts['sourceChanged'];
}): PipelineParts {
  const { config, ruleFiles } = o;
  return {
    newEngine: o.newEngine ?? engineFactory(config, ruleFiles, { hotlist: o.hotlist }),
    decoders: { timeZone: o.timeZone ?? config.dialling.timeZone, mappings: ruleFiles.mappings },
    sinks: o.sinks,
    maxRecordBytes: config.pipeline.maxMessageBytes,
    log: o.log,
    clock: o.clock ?? Date.now,
    backoff: o.backoff ?? STORE_BACKOFF,
    ...(o.store ? { store: o.store } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.sourceChanged ? { sourceChanged: o.sourceChanged } : {}),
  };
}
