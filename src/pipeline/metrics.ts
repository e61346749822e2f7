import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Engine, RuleStats } from '../domain/engine/engine.js';

/** The processor's Prometheus metrics, updated per event (never recomputed over a window). */
export function createPipelineMetrics(registry: Registry = new Registry(), withDefaults = true) {
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'sentinela_' });
  const r = [registry];
  return {
    registry,
    messages: new Counter({ name: 'sentinela_messages_total', help: 'Kafka messages consumed', labelNames: ['topic'], registers: r }),
    cdrs: new Counter({ name: 'sentinela_cdrs_total', help: 'CDRs decoded, by engine status', labelNames: ['status'], registers: r }),
    securityEvents: new Counter({
      name: 'sentinela_security_events_total',
      help: 'security events decoded, by source topic, event type and engine status (issue 18)',
      labelNames: ['topic', 'type', 'status'],
      registers: r,
    }),
    unrecognised: new Counter({
      name: 'sentinela_security_lines_unrecognised_total',
      help: "PBX security lines that matched none of their source's patterns, by topic and format: a log format change shows here",
      labelNames: ['topic', 'format'],
      registers: r,
    }),
    matchRatio: new Gauge({
      name: 'sentinela_security_source_match_ratio',
      help: "share of a security source's lines its decoder recognised over the last 10 minutes (below 0.5: alarmed)",
      labelNames: ['topic', 'format'],
      registers: r,
    }),
    rejected: new Counter({ name: 'sentinela_rejected_total', help: 'records dead-lettered, by error code', labelNames: ['code'], registers: r }),
    misrouted: new Counter({
      name: 'sentinela_misrouted_total',
      help: 'messages whose key is not their tenant (rules may miss them across instances)',
      registers: r,
    }),
    batchRows: new Histogram({
      name: 'sentinela_batch_rows',
      help: 'CDRs per flushed batch',
      buckets: [1, 10, 100, 500, 1000, 5000, 10000, 50000],
      registers: r,
    }),
    batchSeconds: new Histogram({
      name: 'sentinela_batch_flush_seconds',
      help: 'time to persist, publish and commit a batch',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    storeErrors: new Counter({ name: 'sentinela_store_errors_total', help: 'failed ClickHouse or Kafka flushes', labelNames: ['code'], registers: r }),
    storeRetries: new Counter({ name: 'sentinela_store_retries_total', help: 'flush retries after a failure', registers: r }),
    degraded: new Gauge({ name: 'sentinela_degraded', help: '1 while consumption is paused because a flush fails', registers: r }),
    lag: new Gauge({ name: 'sentinela_consumer_lag', help: 'messages behind the partition high watermark', labelNames: ['topic', 'partition'], registers: r }),
    ruleEvaluations: new Counter({ name: 'sentinela_rule_evaluations_total', help: 'CDRs evaluated per rule', labelNames: ['rule'], registers: r }),
    verdicts: new Counter({ name: 'sentinela_verdicts_total', help: 'verdicts per rule and kind', labelNames: ['rule', 'kind'], registers: r }),
    usageSubjects: new Gauge({ name: 'sentinela_usage_subjects', help: 'subjects (IPs, accounts, callers) with a learned usage profile', registers: r }),
    usageDropped: new Counter({
      name: 'sentinela_usage_subjects_dropped_total',
      help: 'usage profiles dropped to make room, by kind: a kind reached SENTINELA_MAX_USAGE_SUBJECTS (a flood of spoofed callers or IPs, or a cap too low)',
      labelNames: ['kind'],
      registers: r,
    }),
    rebuildSeconds: new Gauge({ name: 'sentinela_state_rebuild_seconds', help: 'duration of the last rule-state rebuild', registers: r }),
    rebuildCdrs: new Gauge({ name: 'sentinela_state_rebuild_cdrs', help: 'CDRs replayed by the last rule-state rebuild', registers: r }),
  };
}
export type PipelineMetrics = ReturnType<typeof createPipelineMetrics>;

/** What the reporter reads of an engine. */
export type EngineStats = Pick<Engine, 'ruleStats' | 'usageSubjects'>;

/**
 * The engine's counters (per rule; usage profiles dropped by the cap): the engine counts per event; Prometheus gets
 * the increments since the last report. A rebuilt engine starts from its warm-up counts, which are a baseline, not
 * new work. Profiles dropped by the cap are also logged: learning is being lost.
 */
export class EngineReporter {
  private reported = new Map<string, RuleStats>();
  private dropped: Partial<Record<string, number>> = {};

  constructor(
    private readonly metrics: PipelineMetrics,
    private readonly log: Logger,
  ) {}

  /** A rebuilt engine: its rule counts are warm-up, but profiles it dropped (restored over the cap) are a loss. */
  baseline(engine: EngineStats): void {
    this.reported = new Map([...engine.ruleStats].map(([id, s]) => [id, { ...s }]));
    this.dropped = {};
    this.reportUsage(engine);
  }

  report(engine: EngineStats): void {
    for (const [rule, s] of engine.ruleStats) {
      const last = this.reported.get(rule) ?? { evaluations: 0, alerts: 0, blocks: 0, throttles: 0, suppressed: 0 };
      if (s.evaluations > last.evaluations) this.metrics.ruleEvaluations.inc({ rule }, s.evaluations - last.evaluations);
      if (s.alerts > last.alerts) this.metrics.verdicts.inc({ rule, kind: 'alert' }, s.alerts - last.alerts);
      if (s.blocks > last.blocks) this.metrics.verdicts.inc({ rule, kind: 'block' }, s.blocks - last.blocks);
      if (s.throttles > last.throttles) this.metrics.verdicts.inc({ rule, kind: 'throttle' }, s.throttles - last.throttles);
      this.reported.set(rule, { ...s });
    }
    this.reportUsage(engine);
  }

  private reportUsage(engine: EngineStats): void {
    const usage = engine.usageSubjects;
    this.metrics.usageSubjects.set(usage.held);
    for (const [kind, n] of Object.entries(usage.dropped)) {
      const more = n - (this.dropped[kind] ?? 0);
      if (more <= 0) continue;
      this.metrics.usageDropped.inc({ kind }, more);
      this.dropped[kind] = n;
      this.log.warn({ kind, dropped: more, held: usage.held }, 'usage profiles full: the least established were dropped to make room');
    }
  }
}
