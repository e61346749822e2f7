import type { DecisionTally } from '../domain/blocks/decision-counts.js';
import type { Cdr } from '../domain/cdr/contract.js';
import type { Engine, EventStatus } from '../domain/engine/engine.js';
import type { Alert, Block, Verdict } from '../domain/engine/verdicts.js';
import type { SentinelaError } from '../errors.js';
import { eventId, type SecurityEvent } from '../domain/signalling/event.js';
import type { BatchSink, CdrStore, Rejected, SourceRef, StoredCdr, StoredEvent } from './ports.js';

/**
 * Everything one flush persists, and the positions it may acknowledge once persisted. Built per event; a failed
 * flush keeps the batch whole so the retry writes exactly the same rows and messages (ids make repeats harmless).
 */
export class PendingBatch {
  readonly cdrs: StoredCdr[] = [];
  readonly rejected: Rejected[] = [];
  readonly events: StoredEvent[] = [];
  /** Alerts and blocks in the order the engine issued them. */
  readonly verdicts: Verdict[] = [];
  /** Block-check answers per tenant and minute (an API process's batches only). */
  readonly decisions: DecisionTally[] = [];
  /** topic NUL partition → next offset to consume, and the oldest offset a decoder still holds. */
  readonly positions = new Map<string, { topic: string; partition: number; next: number; held: number | undefined }>();
  /** Monotonic time the first record arrived (batching never uses the domain clock). */
  firstAt: number | undefined;
  /** Settles once the batch is persisted and acknowledged, or abandoned (stop while the store is down). */
  readonly done: Promise<void>;
  private settle!: (error?: Error) => void;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => (this.settle = (error) => (error ? reject(error) : resolve())));
    this.done.catch(() => undefined); // a batch nobody waits on must not raise an unhandled rejection
  }

  /** Records taken (accepted or refused): what batch limits count. */
  get size(): number {
    return this.cdrs.length + this.rejected.length + this.events.length;
  }

  get empty(): boolean {
    return this.blank && this.positions.size === 0;
  }

  /** Nothing to write: positions only (all re-deliveries) are acknowledged without a write. */
  get blank(): boolean {
    return this.size === 0 && this.verdicts.length === 0 && this.decisions.length === 0;
  }

  get alerts(): Alert[] {
    return this.verdicts.filter((v): v is Alert => v.kind === 'alert');
  }

  get blocks(): Block[] {
    return this.verdicts.filter((v): v is Block => v.kind === 'block');
  }

  get holdsBlock(): boolean {
    return this.verdicts.some((v) => v.kind === 'block');
  }

  touch(now: number): void {
    this.firstAt ??= now;
  }

  position(topic: string, partition: number, next: number, held: number | undefined): void {
    this.positions.set(`${topic}\u0000${partition}`, { topic, partition, next, held });
  }

  addRejected(payload: Buffer, key: Buffer | null, error: SentinelaError, source: SourceRef): void {
    this.rejected.push({ payload, key, code: error.code, message: error.message, path: error.details.path ?? '', source });
  }

  /**
   * Runs a valid CDR through the engine at `now` and queues its row and verdicts. A repeat (re-delivery) is
   * stored already and is not queued. Returns the engine's status.
   */
  evaluate(engine: Engine, cdr: Cdr, source: SourceRef, now: number): EventStatus {
    const outcome = engine.process(cdr, now);
    if (outcome.status === 'duplicate') return outcome.status;
    const estimatedCost = outcome.event?.costEstimated ? outcome.event.cost : undefined;
    this.cdrs.push({ cdr, status: outcome.status, ...engine.numbersOf(cdr), source, estimatedCost });
    for (const v of outcome.verdicts) this.verdicts.push(v);
    return outcome.status;
  }

  /** Runs a valid security event through the engine's signalling rules (issue 18), like `evaluate` a CDR. */
  evaluateEvent(engine: Engine, event: SecurityEvent, source: SourceRef, now: number): EventStatus {
    const id = eventId(event);
    const outcome = engine.signalling.evaluate(event, id, now);
    if (outcome.status === 'duplicate') return outcome.status;
    this.events.push({ event, id, status: outcome.status, source });
    for (const v of outcome.verdicts) this.verdicts.push(v);
    return outcome.status;
  }

  /** Offsets to commit: the next offset, but never past a record a decoder still holds for correlation. */
  commits(): { topic: string; partition: number; offset: string }[] {
    return [...this.positions.values()].map((p) => ({
      topic: p.topic,
      partition: p.partition,
      offset: String(p.held === undefined ? p.next : Math.min(p.next, p.held)),
    }));
  }

  /** Called by the flusher only. */
  finish(error?: Error): void {
    this.settle(error);
  }
}

/** Stores a batch's alerts and blocks (the API's attempt verdicts go only this far). */
export function verdictStoreSink(store: Pick<CdrStore, 'insertAlerts' | 'saveBlocks'>): BatchSink {
  return async (batch) => {
    await store.insertAlerts(batch.alerts);
    await store.saveBlocks(batch.blocks);
  };
}

/** The ClickHouse sink, in the order that makes a crash safe: rejects and verdicts first, events and CDRs last (README "Delivery"). */
export function storeSink(store: CdrStore): BatchSink {
  const verdicts = verdictStoreSink(store);
  return async (batch) => {
    await store.insertRejected(batch.rejected);
    await verdicts(batch);
    await store.insertEvents(batch.events);
    await store.insertCdrs(batch.cdrs);
  };
}
