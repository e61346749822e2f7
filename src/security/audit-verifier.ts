import type { Logger } from 'pino';
import { ChainVerifier, checkpointIntact, sealCheckpoint, type AuditCheckpoint, type ChainReport } from '../domain/security/audit-chain.js';
import type { SecurityStore } from './ports.js';

export interface Integrity {
  readonly ok: boolean;
  /** When the state shown was verified; null before any pass. */
  readonly verifiedAt: number | null;
  /** The oldest of the chains' last full passes (every record from its anchor); null before any. */
  readonly fullPassAt: number | null;
  /**
   * `full`: every chain from its anchor; `incremental`: some chains only after their checkpoint; `stored`: no
   * pass has ended in this process yet, the state is the one the last pass of any replica saved.
   */
  readonly mode: 'full' | 'incremental' | 'stored';
  readonly chains: readonly ChainReport[];
}

const PAGE = 5_000;
const LEGACY = 'legacy';

/**
 * Verifies the audit chains (A5) incrementally: each chain resumes after its checkpoint (the last verified record
 * and its hash, in ClickHouse, sealed with the audit key), so a pass reads only the records written since. Every
 * `fullEveryMs` a chain is verified again from its anchor, which catches a change to an already-verified record.
 * Passes run one at a time; `current()` never starts one.
 */
export class AuditVerifier {
  private last: Integrity | undefined;
  private running: Promise<Integrity> | undefined;

  constructor(
    private readonly o: {
      store: SecurityStore;
      key: Buffer;
      clock: () => number;
      log: Logger;
      fullEveryMs: number;
      /** The writer's own tail, known without reading the store: records cut from its end are caught too. */
      ownTail: (chain: string) => Promise<number | undefined>;
    },
  ) {}

  /**
   * A pass; `full` verifies every chain from its anchor. An incremental pass asked for while one runs is that one
   * (timer ticks never pile up behind a long full pass); a full pass starts after it.
   */
  pass(mode: 'full' | 'incremental'): Promise<Integrity> {
    if (mode === 'incremental' && this.running) return this.running;
    const next: Promise<Integrity> = (this.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.run(mode))
      .finally(() => {
        if (this.running === next) this.running = undefined;
      });
    this.running = next;
    return next;
  }

  /** The last verified state and its time, without waiting for a pass: this process's, else the stored one. */
  async current(): Promise<Integrity> {
    return this.last ?? this.stored();
  }

  private async run(mode: 'full' | 'incremental'): Promise<Integrity> {
    const now = this.o.clock();
    // chains before anchors: a chain's genesis anchor is written before its first record, so a chain listed here
    // always finds its anchor below (the other order could call a chain opened meanwhile anchorless)
    const names = await this.o.store.auditChains();
    const anchors = await this.o.store.anchors();
    const checkpoints = new Map((await this.o.store.auditCheckpoints()).map((c) => [c.chain, c]));
    const chains: ChainReport[] = [];
    const saved: AuditCheckpoint[] = [];
    for (const chain of names) {
      if (chain === LEGACY) continue; // written before keyed chains existed: nothing to verify against
      const cp = checkpoints.get(chain);
      const trusted = cp && checkpointIntact(this.o.key, cp) ? cp : undefined;
      if (cp && !trusted) this.o.log.warn({ chain }, 'audit checkpoint fails its seal: the chain is verified from its anchor');
      const resume = mode === 'incremental' && trusted && now - trusted.fullAt < this.o.fullEveryMs ? trusted : undefined;
      const verifier = new ChainVerifier(
        this.o.key,
        chain,
        anchors.filter((a) => a.chain === chain),
        await this.o.ownTail(chain),
        resume,
      );
      for (let after = verifier.from; ;) {
        const page = await this.o.store.auditPage(chain, after, PAGE);
        for (const r of page) verifier.push(r);
        if (page.length < PAGE) break;
        after = page.at(-1)?.seq ?? after;
      }
      const report = verifier.report();
      chains.push(report);
      const at = verifier.position();
      saved.push(
        sealCheckpoint(this.o.key, {
          chain,
          seq: at?.seq ?? 0,
          hash: at?.hash ?? '',
          firstSeq: report.firstSeq ?? 0,
          verifiedAt: now,
          fullAt: report.resumedAfter === undefined ? now : (resume?.fullAt ?? now),
          problem: report.problem ? JSON.stringify(report.problem) : '',
        }),
      );
    }
    await this.o.store.saveAuditCheckpoints(this.keepingFoundProblems(saved, chains, await this.o.store.auditCheckpoints()));
    const integrity: Integrity = {
      ok: chains.every((c) => c.ok),
      verifiedAt: now,
      fullPassAt: minOf(saved.map((c) => c.fullAt)),
      mode: chains.some((c) => c.resumedAfter !== undefined) ? 'incremental' : 'full',
      chains,
    };
    this.last = integrity;
    return integrity;
  }

  /**
   * A break another replica's full pass found while this incremental pass ran (from an older checkpoint) stands:
   * the incremental checkpoint is not saved over it and the break is reported here too, until a full pass clears it.
   */
  private keepingFoundProblems(saved: AuditCheckpoint[], chains: ChainReport[], latest: readonly AuditCheckpoint[]): AuditCheckpoint[] {
    const found = new Map(latest.filter((c) => c.problem !== '' && checkpointIntact(this.o.key, c)).map((c) => [c.chain, c]));
    return saved.filter((c, i) => {
      const other = found.get(c.chain);
      const report = chains[i];
      if (!other || !report || report.problem || (report.resumedAfter === undefined && c.fullAt >= other.fullAt)) return true;
      chains[i] = { ...report, ok: false, problem: JSON.parse(other.problem) as NonNullable<ChainReport['problem']> };
      return false;
    });
  }

  private async stored(): Promise<Integrity> {
    const checkpoints = (await this.o.store.auditCheckpoints()).filter((c) => c.chain !== LEGACY);
    const chains = checkpoints.map((c): ChainReport => {
      if (!checkpointIntact(this.o.key, c))
        return {
          chain: c.chain,
          ok: false,
          checked: 0,
          firstSeq: null,
          lastSeq: null,
          problem: { kind: 'modified', seq: 0, message: `the checkpoint of chain ${c.chain} was altered` },
        };
      const problem = c.problem ? (JSON.parse(c.problem) as ChainReport['problem']) : undefined;
      return {
        chain: c.chain,
        ok: !problem,
        checked: 0,
        firstSeq: c.firstSeq || null,
        lastSeq: c.seq || null,
        ...(problem ? { problem } : {}),
        resumedAfter: c.seq,
      };
    });
    return {
      ok: chains.every((c) => c.ok),
      verifiedAt: maxOf(checkpoints.map((c) => c.verifiedAt)),
      fullPassAt: minOf(checkpoints.map((c) => c.fullAt)),
      mode: 'stored',
      chains,
    };
  }
}

const minOf = (xs: readonly number[]) => (xs.length === 0 ? null : Math.min(...xs));
const maxOf = (xs: readonly number[]) => (xs.length === 0 ? null : Math.max(...xs));
