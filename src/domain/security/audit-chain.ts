import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The tamper-evident audit trail (A5). Each writer (an API process, the CLI of a host) appends to its own chain:
 * record n carries HMAC(key, record n fields + hash of record n-1). The key lives outside the database, so a
 * person who can edit ClickHouse can neither alter, insert nor delete a record without the next verification
 * failing at that position. Anchors (also keyed) say where each chain starts: its genesis, or the first record
 * kept after a quota cut (A6), so the chain stays verifiable across the cut.
 */
export interface AuditFields {
  readonly at: number;
  readonly actor: string;
  readonly eventType: string;
  readonly result: 'success' | 'failure';
  readonly sourceIp: string;
  /** JSON text. */
  readonly details: string;
}

export interface AuditRecord extends AuditFields {
  readonly chain: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditAnchor {
  readonly chain: string;
  /** The first record of the chain from here on: 1 at genesis, the first kept record after a cut. */
  readonly firstSeq: number;
  readonly prevHash: string;
  readonly at: number;
  readonly reason: 'genesis' | 'quota';
  readonly mac: string;
}

const hmac = (key: Buffer, parts: readonly unknown[]) => createHmac('sha256', key).update(JSON.stringify(parts)).digest('hex');

export function sealRecord(key: Buffer, chain: string, seq: number, prevHash: string, f: AuditFields): AuditRecord {
  return { chain, seq, prevHash, ...f, hash: hmac(key, [chain, seq, prevHash, f.at, f.actor, f.eventType, f.result, f.sourceIp, f.details]) };
}

export function sealAnchor(key: Buffer, a: Omit<AuditAnchor, 'mac'>): AuditAnchor {
  return { ...a, mac: hmac(key, ['anchor', a.chain, a.firstSeq, a.prevHash, a.at, a.reason]) };
}

/**
 * Where a verification pass stopped in a chain: the last verified record and its hash, so the next pass checks only
 * newer records, chaining them to this hash. Sealed with the audit key: an edited checkpoint is not trusted.
 */
export interface AuditCheckpoint {
  readonly chain: string;
  /** Last verified record (0: none). */
  readonly seq: number;
  readonly hash: string;
  /** First record verified from the chain's anchor. */
  readonly firstSeq: number;
  readonly verifiedAt: number;
  /** Last pass over the whole chain, from its anchor. */
  readonly fullAt: number;
  /** The chain's first broken position found by that pass (JSON of ChainReport.problem), '' when intact. */
  readonly problem: string;
  readonly mac: string;
}

export function sealCheckpoint(key: Buffer, c: Omit<AuditCheckpoint, 'mac'>): AuditCheckpoint {
  return { ...c, mac: hmac(key, ['checkpoint', c.chain, c.seq, c.hash, c.firstSeq, c.verifiedAt, c.fullAt, c.problem]) };
}

export const checkpointIntact = (key: Buffer, c: AuditCheckpoint): boolean => sameHex(c.mac, sealCheckpoint(key, c).mac);

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export type ChainProblem = 'modified' | 'deleted' | 'duplicated' | 'anchor-modified' | 'no-anchor';

export interface ChainReport {
  readonly chain: string;
  readonly ok: boolean;
  readonly checked: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** First broken position (sequence number) and what is wrong there. */
  readonly problem?: { readonly kind: ChainProblem; readonly seq: number; readonly message: string };
  /** An incremental pass: records up to here were verified by an earlier pass (its checkpoint); `checked` counts the newer ones. */
  readonly resumedAfter?: number;
}

/**
 * Checks one chain record by record, in sequence order, with constant memory (records arrive in pages).
 * `expectedLastSeq` (the writer's own tail, when known) also catches records cut from the end. `resume` (a
 * checkpoint) continues after an earlier pass: only newer records are pushed, the first one chaining to its hash;
 * a checkpoint older than the newest anchor (a quota cut since) is ignored and the chain starts at the anchor.
 */
export class ChainVerifier {
  private readonly start: AuditAnchor | undefined;
  private prev: { seq: number; hash: string } | undefined;
  private checked = 0;
  private first: number | null = null;
  private problem: ChainReport['problem'];
  private readonly resumedAfter: number | undefined;

  constructor(
    private readonly key: Buffer,
    readonly chain: string,
    anchors: readonly AuditAnchor[],
    private readonly expectedLastSeq?: number,
    resume?: Pick<AuditCheckpoint, 'seq' | 'hash' | 'firstSeq'>,
  ) {
    const bad = anchors.find((a) => !sameHex(a.mac, sealAnchor(key, a).mac));
    if (bad) this.problem = { kind: 'anchor-modified', seq: bad.firstSeq, message: `the anchor of chain ${chain} at ${bad.firstSeq} was altered` };
    this.start = anchors.reduce<AuditAnchor | undefined>((best, a) => (best === undefined || a.firstSeq > best.firstSeq ? a : best), undefined);
    if (!this.start && !this.problem) this.problem = { kind: 'no-anchor', seq: 0, message: `chain ${chain} has no anchor: its genesis was removed` };
    if (resume && this.start && !this.problem && resume.seq >= this.start.firstSeq) {
      this.prev = { seq: resume.seq, hash: resume.hash };
      this.first = Math.max(resume.firstSeq, this.start.firstSeq);
      this.resumedAfter = resume.seq;
    }
  }

  /** The sequence number after which records are to be pushed (0: from the start). */
  get from(): number {
    return this.resumedAfter ?? 0;
  }

  /** The last record verified in sequence, before any problem: where the next pass may resume. */
  position(): { seq: number; hash: string } | undefined {
    return this.prev;
  }

  push(r: AuditRecord): void {
    if (this.problem || !this.start) return;
    if (r.seq < this.start.firstSeq) return; // older than the last quota cut, about to be removed
    const expected = sealRecord(this.key, r.chain, r.seq, r.prevHash, r);
    if (this.prev && r.seq === this.prev.seq && sameHex(r.hash, this.prev.hash) && sameHex(r.hash, expected.hash)) return; // an identical copy
    const wantSeq = this.prev ? this.prev.seq + 1 : this.start.firstSeq;
    const wantPrev = this.prev ? this.prev.hash : this.start.prevHash;
    if (r.seq < wantSeq) return this.fail('duplicated', r.seq, `two different records hold position ${r.seq}`);
    if (r.seq > wantSeq) return this.fail('deleted', wantSeq, `records ${wantSeq}..${r.seq - 1} are missing`);
    if (!sameHex(r.hash, expected.hash)) return this.fail('modified', r.seq, `record ${r.seq} was modified after it was written`);
    if (!sameHex(r.prevHash, wantPrev)) return this.fail('modified', r.seq, `record ${r.seq} does not follow record ${r.seq - 1}`);
    this.prev = { seq: r.seq, hash: r.hash };
    this.first ??= r.seq;
    this.checked++;
  }

  report(): ChainReport {
    if (!this.problem && this.expectedLastSeq !== undefined && (this.prev?.seq ?? (this.start ? this.start.firstSeq - 1 : 0)) < this.expectedLastSeq) {
      const from = (this.prev?.seq ?? (this.start?.firstSeq ?? 1) - 1) + 1;
      this.fail('deleted', from, `records ${from}..${this.expectedLastSeq} were cut from the end`);
    }
    return {
      chain: this.chain,
      ok: this.problem === undefined,
      checked: this.checked,
      firstSeq: this.first,
      lastSeq: this.prev?.seq ?? null,
      ...(this.problem ? { problem: this.problem } : {}),
      ...(this.resumedAfter !== undefined ? { resumedAfter: this.resumedAfter } : {}),
    };
  }

  private fail(kind: ChainProblem, seq: number, message: string): void {
    this.problem = { kind, seq, message: `chain ${this.chain}: ${message}` };
  }
}
