import type { Logger } from 'pino';
import { sealAnchor, sealRecord, sameHex, type AuditRecord } from '../domain/security/audit-chain.js';
import { SentinelaError } from '../errors.js';
import type { Page } from '../api/ports.js';
import type { Alarms } from './alarms.js';
import { AUDIT_EVENTS, MANDATORY_EVENTS, isAuditEvent, type AuditEventType } from './audit-events.js';
import { AuditVerifier, type Integrity } from './audit-verifier.js';
import type { AuditSearch, SecurityStore } from './ports.js';

export type { Integrity } from './audit-verifier.js';

export interface AuditEvent {
  readonly type: AuditEventType;
  readonly actor: string;
  readonly result: 'success' | 'failure';
  readonly ip: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

const LEGACY = 'legacy';

/**
 * The audit trail: appends to this writer's keyed chain (A5), honours the per-type switches (A4), keeps the
 * trail inside its quota by cutting the oldest records behind a keyed anchor (A6) with an alarm at 90 % (EV08),
 * and verifies the chains (incrementally on a timer, in full on demand and periodically), raising an alarm with
 * the broken position. Reads show the last verified state; they never wait for a pass.
 */
export class AuditTrail {
  /** The chain's last record once the writes before have settled; undefined after a failure (read again). Never rejects. */
  private tail: Promise<{ seq: number; hash: string } | undefined> = Promise.resolve(undefined);
  private switches: Record<string, boolean> = {};
  private appended = 0;
  private readonly reported = new Set<string>();
  private readonly verifier: AuditVerifier;

  constructor(
    private readonly o: {
      store: SecurityStore;
      key: Buffer;
      chain: string;
      clock: () => number;
      log: Logger;
      alarms?: Alarms | undefined;
      quota: number;
      /** How often each chain is verified again from its anchor (default a day). */
      fullVerifyEveryMs?: number;
      quotaCheckEvery?: number;
    },
  ) {
    this.verifier = new AuditVerifier({
      store: o.store,
      key: o.key,
      clock: o.clock,
      log: o.log,
      fullEveryMs: o.fullVerifyEveryMs ?? 86_400_000,
      ownTail: async (chain) => (chain === o.chain ? (await this.tail)?.seq : undefined),
    });
  }

  async loadSwitches(): Promise<void> {
    this.switches = await this.o.store.auditSwitches();
  }

  enabled(type: AuditEventType): boolean {
    return MANDATORY_EVENTS.has(type) || this.switches[type] !== false;
  }

  switchList(): { type: AuditEventType; description: string; enabled: boolean; mandatory: boolean }[] {
    return (Object.keys(AUDIT_EVENTS) as AuditEventType[]).map((type) => ({
      type,
      description: AUDIT_EVENTS[type],
      enabled: this.enabled(type),
      mandatory: MANDATORY_EVENTS.has(type),
    }));
  }

  async setSwitch(type: string, enabled: boolean, by: { actor: string; ip: string }): Promise<void> {
    if (!isAuditEvent(type)) throw new SentinelaError('NOT_FOUND', `no audit event type ${type}`, { path: 'type' });
    if (MANDATORY_EVENTS.has(type) && !enabled) throw new SentinelaError('CONFLICT', `${type} is mandatory and cannot be switched off`, { path: 'type' });
    const now = this.o.clock();
    await this.o.store.saveAuditSwitch(type, enabled, by.actor, now);
    const before = this.enabled(type);
    this.switches[type] = enabled;
    await this.record({ type: 'audit.switch', actor: by.actor, ip: by.ip, result: 'success', details: { eventType: type, from: before, to: enabled } });
  }

  /** Appends one record to this writer's chain (in order: each chains to the one before). */
  async record(e: AuditEvent): Promise<void> {
    if (!this.enabled(e.type)) return;
    const at = this.o.clock();
    const write = async (tail: { seq: number; hash: string }) => {
      const record = sealRecord(this.o.key, this.o.chain, tail.seq + 1, tail.hash, {
        at,
        actor: e.actor,
        eventType: e.type,
        result: e.result,
        sourceIp: e.ip,
        details: JSON.stringify(e.details ?? {}),
      });
      await this.o.store.appendAudit([record]);
      return { seq: record.seq, hash: record.hash };
    };
    // after a failed write the tail is read again (the store may have been away): a rejected tail left for the next
    // record would be an unhandled rejection, which ends the process
    const next = this.tail.then((tail) => tail ?? this.openChain()).then(write);
    this.tail = next.catch(() => undefined);
    await next;
    if (++this.appended % (this.o.quotaCheckEvery ?? 200) === 0)
      void this.enforceQuota().catch((err: unknown) => this.o.log.error({ err }, 'audit quota check failed'));
  }

  /** A6/EV08: alarm at 90 % of the quota; past the quota, cut the oldest records behind a keyed anchor. */
  async enforceQuota(): Promise<{ count: number; cut: number }> {
    const count = await this.o.store.auditCount();
    const quota = this.o.quota;
    if (count >= quota * 0.9) {
      this.o.alarms?.raise({
        key: 'audit-quota',
        kind: 'audit',
        severity: 'warn',
        title: `audit storage at ${Math.round((100 * count) / quota)} % of its quota`,
        details: { count, quota },
      });
    }
    if (count <= quota) return { count, cut: 0 };
    const cut = count - quota + Math.max(1, Math.floor(quota / 100)); // cut a little more, not on every append
    const now = this.o.clock();
    for (const c of await this.o.store.oldestAudit(cut)) {
      if (c.chain !== LEGACY)
        await this.o.store.saveAnchor(sealAnchor(this.o.key, { chain: c.chain, firstSeq: c.seq + 1, prevHash: c.hash, at: now, reason: 'quota' }));
      await this.o.store.pruneAudit(c.chain, c.seq);
    }
    await this.record({ type: 'audit.quota', actor: 'system', ip: '', result: 'success', details: { cut, quota, countBefore: count } });
    return { count: count - cut, cut };
  }

  /**
   * Verifies the chains: `incremental` (the timer) checks each chain's records after its checkpoint, `full` (on
   * demand, and each chain once per full-verify interval) every record from its anchor. A broken chain raises an
   * alarm and is audited, once per break.
   */
  async verify(mode: 'full' | 'incremental' = 'full'): Promise<Integrity> {
    const integrity = await this.verifier.pass(mode);
    const chains = integrity.chains;
    for (const broken of chains.filter((c) => !c.ok)) {
      const key = `${broken.chain}:${broken.problem?.kind}:${broken.problem?.seq}`;
      if (this.reported.has(key)) continue; // reported once per break, not on every read
      this.reported.add(key);
      this.o.alarms?.raise({
        key: `audit-integrity:${key}`,
        kind: 'audit',
        severity: 'critical',
        title: `audit trail tampered: ${broken.problem?.message}`,
        details: { ...broken },
      });
      await this.record({ type: 'audit.integrity', actor: 'system', ip: '', result: 'failure', details: { chain: broken.chain, problem: broken.problem } });
    }
    return integrity;
  }

  /** A3 search with EV09: the read is audited, answers the last verified state of the chains (never waiting for a pass) and checks each record. */
  async search(q: AuditSearch, reader: { actor: string; ip: string }): Promise<Page<AuditRecord & { intact: boolean }> & { integrity: Integrity }> {
    await this.record({ type: 'audit.read', actor: reader.actor, ip: reader.ip, result: 'success', details: { query: { ...q } } });
    const integrity = await this.verifier.current();
    const found = await this.o.store.searchAudit(q);
    return {
      total: found.total,
      items: found.items.map((r) => ({ ...r, intact: r.chain === LEGACY || sameHex(r.hash, sealRecord(this.o.key, r.chain, r.seq, r.prevHash, r).hash) })),
      integrity,
    };
  }

  /** A chain that has no record yet starts with a keyed genesis anchor, so removing the whole chain is detected. */
  private async openChain(): Promise<{ seq: number; hash: string }> {
    const tail = await this.o.store.auditTail(this.o.chain);
    if (tail) return tail;
    await this.o.store.saveAnchor(sealAnchor(this.o.key, { chain: this.o.chain, firstSeq: 1, prevHash: '', at: this.o.clock(), reason: 'genesis' }));
    return { seq: 0, hash: '' };
  }
}
