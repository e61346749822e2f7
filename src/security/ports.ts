import type { AuditAnchor, AuditCheckpoint, AuditRecord } from '../domain/security/audit-chain.js';
import type { Role } from '../domain/security/roles.js';
import type { Page } from '../api/ports.js';
import type { LoginHistory } from './accounts.js';

/** What the security services need from storage (ClickHouse implements it). */

export interface LoginMark {
  readonly at: number;
  readonly ip: string;
  readonly method: string;
}

export interface UserRecord {
  readonly name: string;
  readonly role: Role;
  readonly fullName: string;
  /** Role user: the tenant and extensions (accounts or caller numbers) they may see. */
  readonly tenant: string;
  readonly extensions: readonly string[];
  readonly passwordHash: string;
  /** Hashes of previous passwords, newest first (A9: no reuse). */
  readonly passwordHistory: readonly string[];
  readonly locked: boolean;
  readonly lockedReason: string;
  readonly lastLogin: LoginMark | null;
  /** A8, counted from the stored login failures since the last login (never written with the user). */
  readonly lastFailure: Omit<LoginMark, 'method'> | null;
  readonly failuresSince: number;
  readonly createdAt: number;
  readonly createdBy: string;
}

export interface ApiKeyRecord {
  readonly id: string;
  /** `*` lets the key ask about every tenant. */
  readonly tenant: string;
  readonly name: string;
  readonly secretSha256: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly revokedAt: number | null;
  readonly revokedBy: string;
}

export const AUDIT_SORT_COLUMNS = ['at', 'chain', 'seq', 'actor', 'event_type', 'result', 'source_ip', 'details'] as const;
export type AuditSortColumn = (typeof AUDIT_SORT_COLUMNS)[number];

export interface AuditSearch {
  /** Substring searched in every column (A3). */
  readonly text?: string | undefined;
  readonly eventType?: string | undefined;
  readonly actor?: string | undefined;
  readonly result?: 'success' | 'failure' | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  readonly sort: AuditSortColumn;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly offset: number;
}

/** A management session as every replica sees it (A7). */
export interface StoredSession {
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  readonly tenant: string;
  readonly extensions: readonly string[];
  readonly ip: string;
  readonly method: string;
  readonly history: LoginHistory;
  readonly secretSha256: string;
  readonly createdAt: number;
  readonly lastSeen: number;
  readonly endedAt: number | null;
  readonly endReason: string;
}

export type SecurityEventKind = 'login.failure' | 'access.denied';

/** An EV03 lock of a user name from one source address. */
export interface LoginLock {
  readonly user: string;
  readonly ip: string;
  readonly locked: boolean;
  readonly changedAt: number;
  readonly reason: string;
  readonly changedBy: string;
}

/** Sessions, EV03 failures and locks, EV14 denials and bars: shared by every API replica through the store. */
export interface SecurityStateStore {
  /** A new version of the session row (opening, touch or end; an ended row outranks every other). */
  saveSession(session: StoredSession): Promise<void>;
  /** The session, and whether a newer session of the same user exists (one session per user, A7). */
  loadSession(id: string): Promise<{ session: StoredSession; superseded: boolean } | undefined>;
  /** The user's sessions that have not ended (they may have lapsed). */
  openSessions(user: string): Promise<StoredSession[]>;
  noteSecurityEvent(e: { kind: SecurityEventKind; user: string; ip: string; at: number }): Promise<void>;
  /** Events of `kind` after `since` (exclusive), for the user, the address or both. */
  countSecurityEvents(q: { kind: SecurityEventKind; user?: string; ip?: string; since: number }): Promise<number>;
  loginLock(user: string, ip: string): Promise<LoginLock | undefined>;
  /** Every address the user name is locked from now. */
  loginLocks(user: string): Promise<LoginLock[]>;
  saveLoginLock(lock: LoginLock, version: number): Promise<void>;
  saveBar(bar: { subject: string; until: number; at: number; reason: string }): Promise<void>;
  /** Bars still running at `now`: subject (`user:…`, `ip:…`) and end. */
  activeBars(now: number): Promise<{ subject: string; until: number }[]>;
}

export interface SecurityStore extends SecurityStateStore {
  findUser(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** A new version of the user's row; `version` orders versions (a millisecond time, bumped when equal). */
  saveUser(user: UserRecord, version: number): Promise<void>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  saveApiKey(key: ApiKeyRecord, version: number): Promise<void>;

  appendAudit(records: readonly AuditRecord[]): Promise<void>;
  /** The newest record of a chain, or undefined for a chain never written. */
  auditTail(chain: string): Promise<{ seq: number; hash: string } | undefined>;
  /** Records of a chain after `afterSeq`, in sequence order. */
  auditPage(chain: string, afterSeq: number, limit: number): Promise<AuditRecord[]>;
  /** Every chain that has records or anchors. */
  auditChains(): Promise<string[]>;
  anchors(): Promise<AuditAnchor[]>;
  saveAnchor(anchor: AuditAnchor): Promise<void>;
  searchAudit(q: AuditSearch): Promise<Page<AuditRecord>>;
  auditCount(): Promise<number>;
  /** Per chain, the last sequence number and its hash among the `n` oldest records (what a quota cut removes). */
  oldestAudit(n: number): Promise<{ chain: string; seq: number; hash: string }[]>;
  pruneAudit(chain: string, uptoSeq: number): Promise<void>;
  /** The newest checkpoint of every chain (incremental verification). */
  auditCheckpoints(): Promise<AuditCheckpoint[]>;
  saveAuditCheckpoints(checkpoints: readonly AuditCheckpoint[]): Promise<void>;
  auditSwitches(): Promise<Record<string, boolean>>;
  saveAuditSwitch(eventType: string, enabled: boolean, by: string, at: number): Promise<void>;
}
