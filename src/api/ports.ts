import type { Block } from '../domain/blocks/block.js';
import type { DecisionTally } from '../domain/blocks/decision-counts.js';
import type { Alert } from '../domain/engine/verdicts.js';
import type { Cdr } from '../domain/cdr/contract.js';
import type { CallEnd } from '../domain/live/call-end.js';
import type { VerdictBrief } from '../domain/engine/verdict-json.js';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import type { Change, Tally } from '../cli/replay/compare.js';
import type { MatchRateChange } from '../domain/signalling/match-rate.js';

/** What the API needs from storage. ClickHouse implements it; the embedded mode reaches it through the pipeline process. */

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
}

export interface BlockSearch {
  readonly tenant?: string | undefined;
  readonly kind?: string | undefined;
  /** Substring of the subject value (caller, IP, prefix…). */
  readonly subject?: string | undefined;
  readonly rule?: string | undefined;
  readonly source?: 'rule' | 'manual' | undefined;
  /** Only these subject values (a `user` role's extensions). */
  readonly subjects?: readonly string[] | undefined;
  readonly limit: number;
  readonly offset: number;
}

export const ALERT_STATUSES = ['open', 'acknowledged', 'false_positive', 'confirmed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface AlertSearch {
  readonly tenant?: string | undefined;
  readonly rule?: string | undefined;
  readonly status?: AlertStatus | undefined;
  readonly severity?: 'warn' | 'critical' | undefined;
  readonly subject?: string | undefined;
  /** Epoch ms bounds on the alert's event time. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Only these subject values (a `user` role's extensions). */
  readonly subjects?: readonly string[] | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface StoredAlert {
  readonly id: string;
  readonly tenant: string;
  readonly rule: string;
  readonly severity: 'warn' | 'critical';
  readonly subject: { readonly kind: string; readonly value: string };
  readonly at: number;
  readonly evidence: readonly string[];
  readonly details: Readonly<Record<string, unknown>>;
  readonly suppressed: number;
  readonly status: AlertStatus;
  readonly statusBy: string;
  readonly statusAt: number | null;
}

/** A stored CDR as evidence of an alert (the columns an analyst reads first). */
export interface EvidenceCdr {
  readonly id: string;
  readonly account: string;
  readonly caller: string;
  readonly callee: string;
  readonly calleeE164: string;
  readonly srcIp: string;
  readonly startedAt: number;
  readonly billSec: number;
  readonly disposition: string;
}

/** A stored security event (issue 18) as evidence of a signalling alert, or as listed for an IP. '' and 0: not reported. */
export interface EvidenceEvent {
  readonly id: string;
  readonly at: number;
  readonly tenant: string;
  readonly type: string;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly transport: string;
  readonly user: string;
  readonly userAgent: string;
  readonly method: string;
  readonly callId: string;
  readonly reporter: string;
  /** The PBX's line, cut to EVENT_RAW_SHOWN characters (an ellipsis marks a cut). */
  readonly raw: string;
  readonly count: number;
}

/** Security events of one tenant, newest first. */
export interface EventSearch {
  readonly tenant: string;
  readonly ip?: string | undefined;
  readonly user?: string | undefined;
  readonly type?: string | undefined;
  /** Epoch ms bounds on the event's time. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  /** Only events naming these users (a `user` role's extensions). */
  readonly users?: readonly string[] | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface PushFailure {
  readonly target: string;
  readonly blockId: string;
  readonly state: string;
  readonly payload: string;
  readonly attempts: number;
  readonly lastError: string;
}

/** A stats query (issue 17): epoch-ms bounds, its step (`minute` reads the minute rollups, `hour` and `day` the hour ones), all tenants or one. */
export interface StatsRange {
  readonly from: number;
  readonly to: number;
  readonly step: StatsStep;
  readonly tenant?: string | undefined;
}
export type StatsStep = 'minute' | 'hour' | 'day';

export interface TrafficPoint {
  readonly t: number;
  readonly calls: number;
  readonly answered: number;
  readonly billedMinutes: number;
  /** The CDR cost, else the rate table's estimate (BRL). */
  readonly cost: number;
  readonly country?: string;
}
export interface AlertPoint {
  readonly t: number;
  readonly rule: string;
  readonly severity: string;
  readonly alerts: number;
  readonly blocks: number;
}
export interface RuleEffect {
  readonly rule: string;
  readonly alerts: number;
  /** Acknowledged or confirmed by an analyst. */
  readonly acknowledged: number;
  readonly falsePositives: number;
  /** False positives among the alerts an analyst triaged (0 when none was). */
  readonly falsePositiveRate: number;
}
export interface DecisionPoint {
  readonly t: number;
  /** Routed: allowed, or throttled (the call goes through; the subject is held to a rate). */
  readonly allow: number;
  readonly block: number;
  readonly failOpen: number;
  readonly failClosed: number;
  readonly shed: number;
}
export interface AccountCost {
  readonly tenant: string;
  readonly account: string;
  readonly calls: number;
  readonly cost: number;
}

/** The NOC charts (issue 17), read from the rollups of migrations/010_rollups.sql. */
export interface StatsStore {
  traffic(q: StatsRange, byCountry: boolean): Promise<TrafficPoint[]>;
  alertStats(q: StatsRange): Promise<AlertPoint[]>;
  /** From the alerts themselves: triage changes an alert's status, which a rollup cannot follow. */
  ruleEffects(q: StatsRange): Promise<RuleEffect[]>;
  decisionStats(q: StatsRange): Promise<DecisionPoint[]>;
  topAccounts(q: StatsRange, limit: number): Promise<AccountCost[]>;
}

export interface ApiStore extends StatsStore {
  /**
   * Every block active at `now` (bootstrap of a replica's block table), in the store's compact line form as it came
   * (ClickHouse: TabSeparated lines of BLOCK_LINE_COLUMNS, read by BlockLineReader): a million blocks cross the
   * process boundary and reach the table as bytes, never as a million objects.
   */
  activeBlocks(now: number): Promise<Uint8Array[]>;
  findBlock(id: string): Promise<Block | undefined>;
  searchBlocks(q: BlockSearch, now: number): Promise<Page<Block>>;
  /** Manual blocks, lifts and attempt-rule blocks; a lift outranks the active row it replaces. */
  saveBlocks(records: readonly Block[]): Promise<void>;
  insertAlerts(alerts: readonly Alert[]): Promise<void>;
  searchAlerts(q: AlertSearch): Promise<Page<StoredAlert>>;
  findAlert(id: string): Promise<StoredAlert | undefined>;
  evidence(tenant: string, ids: readonly string[]): Promise<EvidenceCdr[]>;
  /** The security events a signalling alert names (at most `ids.length`), none later than the alert (`until`). */
  evidenceEvents(tenant: string, ids: readonly string[], until: number): Promise<EvidenceEvent[]>;
  searchEvents(q: EventSearch): Promise<Page<EvidenceEvent>>;
  setAlertStatus(alert: StoredAlert, status: AlertStatus, by: string, at: number): Promise<StoredAlert>;
  insertPushFailure(f: PushFailure): Promise<void>;
  /** Block-check answers per tenant and minute; a summing table adds repeated minutes up. */
  insertDecisions(tallies: readonly DecisionTally[]): Promise<void>;
}

/** One NDJSON (or CSV) line that was refused, and why; the line is dead-lettered, never dropped. */
export interface IngestRejection {
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly path: string;
}

export interface IngestSummary {
  readonly received: number;
  readonly accepted: number;
  readonly duplicates: number;
  /** Security-log lines read and recognised as irrelevant (received = accepted + duplicates + rejected + skipped). */
  readonly skipped: number;
  readonly rejected: readonly IngestRejection[];
  readonly verdicts: readonly VerdictBrief[];
}

/** `POST /v1/cdrs`: the records of one request body, through the same decoders and pipeline as Kafka. */
export interface CdrIngest {
  /** Resolves once every accepted record is persisted (embedded) or acknowledged by Kafka. */
  /** `tenant`: the only tenant the sender may write (a PBX API key's); records of others are refused. */
  ingest(body: Buffer, format: string, tenant?: string): Promise<IngestSummary>;
}

/** Sends block changes to every replica (the blocks topic, or the process itself in the embedded mode). */
export type Distribute = (records: readonly Block[]) => Promise<void>;

/** Verdicts the embedded pipeline persisted, for the API beside it (in process, or relayed from the pipeline child). */
export interface VerdictFeed {
  on(event: 'blocks', listener: (blocks: readonly Block[]) => void): unknown;
  on(event: 'critical', listener: (alerts: readonly Alert[]) => void): unknown;
  /** Calls whose CDRs were persisted: no longer live (issue 16). */
  on(event: 'ends', listener: (ends: readonly CallEnd[]) => void): unknown;
  /** A security source's lines stopped (or started again) matching its decoder (A1 alarm, as the processor raises). */
  on(event: 'source', listener: (change: MatchRateChange) => void): unknown;
}

/** POST /v1/rules/compare: edited rule files (by name) overlaid on the rules in force, over the last `days` of stored CDRs. */
export interface CompareRequest {
  readonly files: Readonly<Record<string, string>>;
  readonly days: number;
  readonly tenant?: string | undefined;
}

export interface SubjectChange {
  readonly rule: string;
  readonly tenant: string;
  readonly subjectKind: string;
  readonly subject: string;
  readonly change: Change;
  readonly before?: Tally;
  readonly after?: Tally;
}

export interface CompareAnswer {
  readonly rules: readonly { readonly rule: string; readonly appears: number; readonly disappears: number; readonly changes: number }[];
  /** The first `maxSubjects` differences, by rule, change and subject. */
  readonly subjects: readonly SubjectChange[];
  readonly subjectsTotal: number;
  readonly cdrs: number;
}

/** Runs comparisons where the CDRs are (the API process, or the embedded mode's pipeline child). */
export interface RuleComparer {
  /** `signal`: the client went away; the comparison stops reading and fails COMPARE_ABORTED. */
  compare(request: CompareRequest, inForce: RuleFiles, signal?: AbortSignal): Promise<CompareAnswer>;
}

/**
 * Counts block-check attempts against the attempt rules (EV12, EV13). In process (replay, tests) the verdicts of an
 * attempt are in the block table before it is answered; on a thread of its own (the API server) they arrive a
 * moment later, and the block then refuses the attempts that follow (README "Block-check").
 */
export interface AttemptCounter {
  count(attempt: Cdr, now: number): void;
  /** Attempts handed over that were never counted (a thread too far behind, or one that died holding them). */
  readonly uncounted?: number;
  /** Attempts answered and not counted yet (a thread of its own; in process there are none). */
  readonly backlog?: number;
}
