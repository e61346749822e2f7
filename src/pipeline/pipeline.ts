import { Mutex } from 'async-mutex';
import { createDecoder, validate, type FormatSpec, type RecordResult } from '../domain/cdr/formats/registry.js';
import type { Decoder } from '../domain/cdr/formats/types.js';
import type { Engine } from '../domain/engine/engine.js';
import { SentinelaError } from '../errors.js';
import { retry } from '../retry.js';
import { PendingBatch } from './batch.js';
import { Flusher } from './flusher.js';
import { Lifecycle, type PipelineHealth, type PipelineState } from './lifecycle.js';
import { EngineReporter } from './metrics.js';
import type { PipelineHooks, PipelineParts, StreamRef, Tally } from './pipeline-types.js';
import type { SourceRef } from './ports.js';
import { bindTenant } from './record-tenant.js';
import { SourceHealth } from './source-health.js';
import { rebuildEngine } from './state-rebuild.js';
import { UsageSaver } from './usage-saver.js';

export type { PipelineHooks, PipelineParts, StreamRef, Tally } from './pipeline-types.js';

/**
 * The one ingest pipeline: decode → validate → evaluate → batch → persist through the sinks in order → acknowledge.
 * The Kafka consumer group, the HTTP ingest and `sentinela replay` are sources feeding it; each record is taken
 * synchronously (`accept`), so a source that seals right after its records owns exactly that batch.
 */
export class Pipeline {
  private engine: Engine;
  /** Makes the engine of every rebuild; a hot reload replaces it (new rules). */
  private newEngine: () => Engine;
  private pending = new PendingBatch();
  private readonly flusher: Flusher;
  private readonly lifecycle: Lifecycle;
  private readonly reporter: EngineReporter | undefined;
  /** Saves the learned usage profiles (only with a store: never in replay). */
  private readonly usage: UsageSaver | undefined;
  /** One decoder per stream (correlating decoders keep state per stream). */
  private readonly decoders = new Map<string, { readonly stream: StreamRef; readonly decoder: Decoder }>();
  /** Rebuilds, timers and source batches never interleave. */
  readonly mutex = new Mutex();
  private assignment: Readonly<Record<string, readonly number[]>> = {};
  /** What the decoders serve: a reload keeps them and what they hold (a Kamailio INVITE awaiting its BYE); a rebalance reads again from the committed offsets. */
  private decodersOf = this.assignment;
  private readonly stopped = new AbortController();
  private readonly sources: SourceHealth;

  constructor(
    private readonly p: PipelineParts,
    hooks: PipelineHooks = {},
  ) {
    this.newEngine = p.newEngine;
    this.engine = p.newEngine();
    this.reporter = p.metrics && new EngineReporter(p.metrics, p.log);
    this.sources = new SourceHealth({ log: p.log, metrics: p.metrics, changed: p.sourceChanged });
    this.usage = p.store && new UsageSaver({ store: p.store, log: p.log, backoff: p.backoff, now: () => this.now() });
    this.lifecycle = new Lifecycle((state, previous) => {
      p.metrics?.degraded.set(state.name === 'degraded' ? 1 : 0);
      hooks.changed?.(state, previous);
    });
    this.flusher = new Flusher({
      sinks: p.sinks,
      backoff: p.backoff,
      ack: async (batch) => {
        try {
          await hooks.ack?.(batch);
        } catch (err) {
          p.log.error({ err }, 'acknowledging a persisted batch failed'); // persisted: a re-delivery is recognised as duplicates
        }
        this.reporter?.report(this.engine);
        this.usage?.due(this.engine); // in the background: the batch's answer never waits for it
      },
      persisted: (batch, ms) => {
        p.metrics?.batchRows.observe(batch.cdrs.length);
        p.metrics?.batchSeconds.observe(ms / 1000);
      },
      failed: (error) => this.failed(error),
      recovered: () => this.recovered(),
    });
  }

  get state(): PipelineState {
    return this.lifecycle.state;
  }

  /** The current engine's per-rule counts. */
  get ruleStats(): Engine['ruleStats'] {
    return this.engine.ruleStats;
  }

  /** Read per Kafka message: a plain comparison, no allocation. */
  get running(): boolean {
    return this.lifecycle.state.name === 'running';
  }

  health(): PipelineHealth {
    return this.lifecycle.health();
  }

  /** The open batch: records, verdicts (replay --attempts flushes them before the next block-check), whether one is a block. */
  get pendingRecords(): number {
    return this.pending.size;
  }
  get pendingVerdicts(): number {
    return this.pending.verdicts.length;
  }
  get pendingBlock(): boolean {
    return this.pending.holdsBlock;
  }
  /** Batches sealed and not yet persisted. */
  get sealedBatches(): number {
    return this.flusher.depth;
  }

  /** How long the open batch's first record has waited (monotonic clock), -1 when it is empty. */
  get batchAgeMs(): number {
    return this.pending.firstAt === undefined ? -1 : performance.now() - this.pending.firstAt;
  }

  /** Starts with the rule state of `assignment` rebuilt from the store (or a fresh engine without a store). */
  async start(assignment: Readonly<Record<string, readonly number[]>> = {}): Promise<void> {
    if (!this.p.store) {
      this.lifecycle.to({ name: 'running' });
      return;
    }
    await this.rebuild(assignment);
  }

  /** Persists what is pending, then swaps in an engine rebuilt for the streams now owned; retried until the store answers. `newEngine`: a hot reload, the same rebuild with the new rules (README "Hot reload"). */
  async rebuild(assignment: Readonly<Record<string, readonly number[]>> = this.assignment, newEngine?: () => Engine): Promise<void> {
    if (newEngine) this.newEngine = newEngine;
    if (newEngine && this.lifecycle.is('starting')) return; // not started (or not joined): the first rebuild uses it
    this.assignment = assignment;
    await retry(() => this.mutex.runExclusive(() => this.rebuildOnce()), {
      backoff: this.p.backoff,
      signal: this.stopped.signal,
      onRetry: (err, attempt) => this.p.log.error({ err, attempt }, 'rule state rebuild failed: retrying'),
    }).catch((err: unknown) => {
      if (!this.stopped.signal.aborted) throw err;
    });
  }

  private async rebuildOnce(): Promise<void> {
    const store = this.p.store;
    if (!store || this.lifecycle.is('stopping', 'stopped')) return;
    this.lifecycle.to({ name: 'rebuilding' });
    this.seal();
    await this.flusher.settle();
    if (this.flusher.degraded) {
      // the store is down: the flusher persists the batch, then `recovered` rebuilds
      const s = this.lifecycle.state;
      this.lifecycle.to({ name: 'degraded', error: s.name === 'degraded' ? s.error : 'store unavailable', rebuildPending: true });
      return;
    }
    await this.usage?.saveNow(this.engine, 'rebuild'); // what it learned of tenants that may move to another owner
    const started = performance.now();
    const { engine, replayed, profiles } = await rebuildEngine(store, this.newEngine, this.assignment, this.now());
    this.engine = engine;
    if (this.decodersOf !== this.assignment) this.decoders.clear();
    this.decodersOf = this.assignment;
    this.pending = new PendingBatch();
    this.reporter?.baseline(engine);
    this.p.metrics?.rebuildSeconds.set((performance.now() - started) / 1000);
    this.p.metrics?.rebuildCdrs.set(replayed);
    this.p.log.info({ assignment: this.assignment, profiles, replayed, ms: Math.round(performance.now() - started) }, 'rule state rebuilt');
    this.lifecycle.to({ name: 'running' });
  }

  /** The decoder of a stream (created on first use). */
  decoderFor(stream: StreamRef, spec: FormatSpec): Decoder {
    const key = `${stream.topic}\u0000${stream.partition}`;
    let entry = this.decoders.get(key);
    if (!entry) {
      entry = { stream, decoder: this.newDecoder(spec) };
      this.decoders.set(key, entry);
    }
    return entry.decoder;
  }

  newDecoder(spec: FormatSpec): Decoder {
    return createDecoder(spec, this.p.decoders);
  }

  /**
   * Takes one record of a stream: decoded, validated and evaluated into the open batch (a refused record is
   * dead-lettered in it with its reason). `offset` locates it in its stream (Kafka offset, line number); `tenant`:
   * the only tenant this source may write (a PBX API key's), records of others are dead-lettered.
   */
  accept(stream: StreamRef, decoder: Decoder, payload: Buffer | string, key: Buffer | null, offset: number, tally?: Tally, tenant?: string): void {
    const m = this.p.metrics;
    m?.messages.inc({ topic: stream.topic });
    this.pending.touch(performance.now());
    const source: SourceRef = { ...stream, offset, format: decoder.format };
    const skipped = decoder.skipped?.() ?? 0;
    let results =
      payload.length > this.p.maxRecordBytes
        ? [{ ok: false as const, error: new SentinelaError('CDR_TOO_LARGE', `record is ${payload.length} bytes, the limit is ${this.p.maxRecordBytes}`) }]
        : validate(decoder.decode(payload, offset));
    const skips = (decoder.skipped?.() ?? 0) - skipped; // security lines recognised as irrelevant: counted, not refused as empty
    if (tally) tally.skipped += skips;
    if (results.length === 0 && decoder.oldestHeld === undefined && skips === 0)
      results = [{ ok: false as const, error: new SentinelaError('CDR_INVALID', `the ${decoder.format} record holds no record (it is empty)`) }];
    if (decoder.skipped !== undefined) this.sources.observe(source, decoder, results, skips, this.now()); // security sources only: no clock read per CDR
    this.take(tenant === undefined ? results : results.map((r) => bindTenant(r, tenant)), source, payload, key, tally);
    if (stream.kind === 'kafka') this.pending.position(stream.topic, stream.partition, offset + 1, decoder.oldestHeld?.());
  }

  /** Records a correlating decoder still holds: those older than the state horizon (`all`: every one, end of a file). */
  release(which: 'expired' | 'all', tally?: Tally): void {
    for (const { stream, decoder } of this.decoders.values()) {
      const decoded = which === 'all' ? decoder.drain?.() : decoder.expire?.(this.now() - this.engine.stateHorizonMs);
      if (!decoded || decoded.length === 0) continue;
      this.pending.touch(performance.now());
      // a held record that never completed (an answered INVITE without a time) is dead-lettered, not dropped
      this.take(validate(decoded), { ...stream, offset: -1, format: decoder.format }, Buffer.alloc(0), null, tally);
    }
  }

  private take(results: readonly RecordResult[], source: SourceRef, payload: Buffer | string, key: Buffer | null, tally: Tally | undefined): void {
    const m = this.p.metrics;
    for (const result of results) {
      if (!result.ok) {
        m?.rejected.inc({ code: result.error.code });
        if (result.error.code === 'EVENT_UNRECOGNISED') m?.unrecognised.inc({ topic: source.topic, format: source.format });
        if (tally) tally.rejected++;
        if (source.kind === 'kafka')
          this.p.log.warn(
            { topic: source.topic, partition: source.partition, offset: source.offset, code: result.error.code, path: result.error.details.path },
            result.error.message,
          );
        this.pending.addRejected(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, key, result.error, source);
        continue;
      }
      if ('event' in result) {
        const status = this.pending.evaluateEvent(this.engine, result.event, source, this.nowFor(result.event.at));
        m?.securityEvents.inc({ topic: source.topic, type: result.event.type, status });
        if (tally) tally.statuses[status]++;
        continue;
      }
      if (key !== null && key.toString() !== result.cdr.tenant) m?.misrouted.inc();
      const status = this.pending.evaluate(this.engine, result.cdr, source, this.nowFor(result.cdr.startedAt));
      m?.cdrs.inc({ status });
      if (tally) tally.statuses[status]++;
    }
  }

  /** Hands the open batch to the flusher and opens a new one; returns the sealed batch (await its `done`). */
  seal(): PendingBatch {
    const batch = this.pending;
    this.pending = new PendingBatch();
    // an empty batch is done at once, unless earlier ones are still persisting: done means "all before it is persisted"
    if (batch.empty && this.flusher.depth === 0) batch.finish();
    else this.flusher.seal(batch);
    return batch;
  }

  /** Resolves once every sealed batch is persisted (`room`: once fewer than that many wait), or as soon as the store fails. */
  settle(room?: number): Promise<void> {
    return room === undefined ? this.flusher.settle() : this.flusher.room(room);
  }

  /** Graceful stop: persist what is pending (abandon it if the store is down: a Kafka source re-delivers it), save the usage profiles. */
  async stop(): Promise<void> {
    if (!this.lifecycle.to({ name: 'stopping' })) return;
    this.stopped.abort(new SentinelaError('INGEST_UNAVAILABLE', 'the pipeline is stopping'));
    await this.mutex.runExclusive(async () => {
      this.seal();
      await this.flusher.settle();
      this.flusher.stop();
      if (this.flusher.degraded) this.p.log.warn('store unavailable: usage profiles not saved at stop (relearned from the CDR replay)');
      else await this.usage?.saveNow(this.engine, 'stop');
    });
    this.lifecycle.to({ name: 'stopped' });
  }

  private now(): number {
    return this.p.clock === 'event-time' ? this.engine.eventTime : this.p.clock();
  }

  /** `at`: the record's own time (a CDR's start, an event's time). */
  private nowFor(at: number): number {
    return this.p.clock === 'event-time' ? Math.max(this.engine.eventTime, at) : this.p.clock();
  }

  /** A flush failed: the flusher keeps the batch and retries with backoff until the store is back (A11). */
  private failed(error: SentinelaError): void {
    this.p.metrics?.storeErrors.inc({ code: error.code });
    this.p.metrics?.storeRetries.inc();
    const s = this.lifecycle.state;
    const rebuildPending = (s.name === 'degraded' && s.rebuildPending) || s.name === 'rebuilding';
    this.lifecycle.to({ name: 'degraded', error: `${error.code}: ${error.message}`, rebuildPending });
    this.p.log.error({ code: error.code, err: error }, 'flush failed: intake paused, retrying');
  }

  private recovered(): void {
    const s = this.lifecycle.state;
    this.p.log.info('store is back: intake resumes');
    if (s.name !== 'degraded') return;
    if (s.rebuildPending) void this.rebuild(this.assignment);
    else this.lifecycle.to({ name: 'running' });
  }
}
