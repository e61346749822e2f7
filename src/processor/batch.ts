import type { Alert, Block, Verdict } from '../domain/engine/verdicts.js';
import { subjectText, verdictJson } from '../domain/engine/verdicts.js';
import type { SentinelaError } from '../errors.js';
import type { Cdr } from '../domain/cdr/contract.js';
import type { Engine, EventStatus } from '../domain/engine/engine.js';
import type { CdrStore, OutMessage, Rejected, SourceRef, StoredCdr } from './ports.js';

export interface OutTopics {
  readonly blocks: string;
  readonly alerts: string;
  readonly dlq: string;
}

/**
 * Everything one flush persists, and the offsets it may commit once persisted. Built per event; a failed flush
 * keeps the batch whole so the retry sends exactly the same rows and messages (ids make repeats harmless).
 */
export class PendingBatch {
  readonly cdrs: StoredCdr[] = [];
  readonly rejected: Rejected[] = [];
  readonly alerts: Alert[] = [];
  readonly blocks: Block[] = [];
  readonly messages: OutMessage[] = [];
  /** topic NUL partition → next offset to consume, and the oldest offset a decoder still holds. */
  readonly positions = new Map<string, { topic: string; partition: number; next: number; held: number | undefined }>();
  firstAt: number | undefined;

  constructor(private readonly topics: OutTopics) {}

  get size(): number {
    return this.cdrs.length + this.rejected.length;
  }

  touch(now: number): void {
    this.firstAt ??= now;
  }

  position(topic: string, partition: number, next: number, held: number | undefined): void {
    this.positions.set(`${topic}\u0000${partition}`, { topic, partition, next, held });
  }

  addCdr(row: StoredCdr): void {
    this.cdrs.push(row);
  }

  addVerdict(v: Verdict): void {
    const key = `${v.tenant}|${subjectText(v.subject)}|${v.rule}`;
    if (v.kind === 'alert') {
      this.alerts.push(v);
      this.messages.push({ topic: this.topics.alerts, key, value: verdictJson(v), headers: { kind: 'alert', severity: v.severity } });
    } else {
      this.blocks.push(v);
      this.messages.push({ topic: this.topics.blocks, key, value: verdictJson(v), headers: { kind: 'block', state: 'active' } });
    }
  }

  addRejected(payload: Buffer, key: Buffer | null, error: SentinelaError, source: SourceRef): void {
    const path = error.details.path ?? '';
    this.rejected.push({ payload, key, code: error.code, message: error.message, path, source });
    this.messages.push({
      topic: this.topics.dlq,
      key,
      value: payload,
      headers: {
        'error-code': error.code,
        'error-message': error.message.slice(0, 2000),
        'error-path': path,
        'source-topic': source.topic,
        'source-partition': String(source.partition),
        'source-offset': String(source.offset),
        format: source.format,
      },
    });
  }

  /**
   * Runs a valid CDR through the engine and queues its row and verdicts. A repeat (re-delivery) is stored
   * already and is not queued. Returns the engine's status.
   */
  evaluate(engine: Engine, cdr: Cdr, source: SourceRef, now: number): EventStatus {
    const outcome = engine.process(cdr, now);
    if (outcome.status === 'duplicate') return outcome.status;
    this.addCdr({ cdr, status: outcome.status, ...engine.numbersOf(cdr), source });
    for (const v of outcome.verdicts) this.addVerdict(v);
    return outcome.status;
  }

  /** Stores the batch in the order that makes a crash safe: rejects and verdicts first, CDRs last (README "Delivery"). */
  async store(store: CdrStore): Promise<void> {
    await store.insertRejected(this.rejected);
    await store.insertAlerts(this.alerts);
    await store.insertBlocks(this.blocks);
    await store.insertCdrs(this.cdrs);
  }

  /** Offsets to commit: the next offset, but never past a record a decoder still holds for correlation. */
  commits(): { topic: string; partition: number; offset: string }[] {
    return [...this.positions.values()].map((p) => ({
      topic: p.topic,
      partition: p.partition,
      offset: String(p.held === undefined ? p.next : Math.min(p.next, p.held)),
    }));
  }
}
