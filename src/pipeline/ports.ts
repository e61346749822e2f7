import type { BlockEntry } from '../domain/blocks/block-table.js';
import type { Cdr } from '../domain/cdr/contract.js';
import type { EventStatus } from '../domain/engine/engine.js';
import type { RestoredAlert } from '../domain/engine/episodes.js';
import type { Alert, Block } from '../domain/engine/verdicts.js';
import type { NumberResult } from '../domain/numbering/normaliser.js';
import type { SecurityEvent } from '../domain/signalling/event.js';
import type { UsageSnapshot } from '../domain/usage/usage-snapshot.js';
import type { PendingBatch } from './batch.js';

/**
 * What the pipeline needs from the outside world. The core declares these ports; adapters (ClickHouse, Kafka,
 * stdout) implement them, and tests wrap the real adapters (e.g. to make ClickHouse fail N times).
 */

/** Where a record came from: a Kafka message, a file line, an HTTP request line. */
export interface SourceRef {
  readonly kind: 'kafka' | 'file' | 'http';
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly format: string;
}

/** An accepted CDR with what the engine made of it, ready to store. */
export interface StoredCdr {
  readonly cdr: Cdr;
  readonly status: Exclude<EventStatus, 'duplicate'>;
  readonly caller: NumberResult;
  readonly callee: NumberResult;
  readonly source: SourceRef;
  /** The rate table's estimate of the cost of a CDR that carries none (rules/rates.csv); stored for the rollups. */
  readonly estimatedCost?: number | undefined;
}

/** An accepted security event with its identity (`eventId`) and what the engine made of it, ready to store. */
export interface StoredEvent {
  readonly event: SecurityEvent;
  readonly id: string;
  readonly status: Exclude<EventStatus, 'duplicate'>;
  readonly source: SourceRef;
}

/** A user that registered successfully from an address, last at `at`. */
export interface KnownUser {
  readonly tenant: string;
  readonly ip: string;
  readonly user: string;
  readonly at: number;
}

/** A record that could not be accepted: the original bytes and the reason. */
export interface Rejected {
  readonly payload: Buffer;
  readonly key: Buffer | null;
  readonly code: string;
  readonly message: string;
  readonly path: string;
  readonly source: SourceRef;
}

/** Stored CDRs counted from `since` on (of one tenant, or all) that were stored by `until`: read twice, the same CDRs. */
export interface StoredRange {
  readonly since: number;
  readonly until: number;
  readonly tenant?: string;
  /** How many CDRs the range holds. */
  readonly count: number;
}

export interface CdrStore {
  insertCdrs(rows: readonly StoredCdr[]): Promise<void>;
  insertRejected(rows: readonly Rejected[]): Promise<void>;
  /** Security events (issue 18), kept like CDRs: a re-delivered one is stored once (its id). */
  insertEvents(rows: readonly StoredEvent[]): Promise<void>;
  insertAlerts(alerts: readonly Alert[]): Promise<void>;
  /** Any state of any block (rule, attempt, manual, lift); the stored version rule decides which row wins. */
  saveBlocks(blocks: readonly Block[]): Promise<void>;
  /** Counted CDRs of these partitions that started at or after `since` (epoch ms), in event-time order. */
  recentCdrs(topic: string, partitions: readonly number[], since: number): AsyncIterable<Cdr>;
  /** Alerts reached at or after `since`, oldest first (a rebuild keeps their subjects quiet through their cooldown). */
  recentAlerts(since: number): Promise<RestoredAlert[]>;
  /** Rule blocks that started at or after `since`, not lifted, oldest first, into `apply` (one reused entry); returns their count. */
  recentBlocks(since: number, apply: (block: BlockEntry) => void): Promise<number>;
  /** Users that registered from an address since `since`: the signalling rules' known sites survive a restart. */
  knownUsers(since: number): Promise<KnownUser[]>;
  /** Stores learned usage profiles, one snapshot per tenant (G3); per tenant, the one that learned the newest event wins. */
  saveUsage(snapshots: readonly UsageSnapshot[]): Promise<void>;
  /** The stored usage profile of every tenant; a row that is not a valid snapshot is logged and left out. */
  loadUsage(): Promise<UsageSnapshot[]>;
}

export interface OutMessage {
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer | string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Publisher {
  /** Resolves once every message is acknowledged by the brokers (acks = all). */
  send(messages: readonly OutMessage[]): Promise<void>;
}

/** One destination of a sealed batch (ClickHouse, the Kafka topics, replay's stdout, the API's block table). Throws to have the batch retried. */
export type BatchSink = (batch: PendingBatch) => Promise<void>;
