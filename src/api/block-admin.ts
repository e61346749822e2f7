import { randomUUID } from 'node:crypto';
import { liftBlock, NO_EVIDENCE, type Block } from '../domain/blocks/block.js';
import type { KeyKind, BlockScope } from '../domain/rules/spec.js';
import { SentinelaError } from '../errors.js';
import type { BlockCheckService } from './block-check.js';
import type { ApiStore, Distribute } from './ports.js';
import type { AuditTrail } from '../security/audit-trail.js';
import { iso } from '../domain/time/iso.js';

export interface Actor {
  /** Who acts: the logged-in user (or `apikey:<id>`). */
  readonly id: string;
  readonly ip: string;
}

export interface ManualBlock {
  readonly tenant: string;
  readonly kind: Exclude<KeyKind, 'tenant'> | 'tenant';
  readonly value: string;
  readonly durationMs: number;
  readonly scope: BlockScope;
  readonly reason: string;
}

/**
 * Manual block and unblock: stored first (the record survives any replica), distributed to every replica,
 * applied here at once (the answering replica never lags its own change), and audited (EV04).
 */
export class BlockAdmin {
  constructor(private readonly d: { service: BlockCheckService; store: ApiStore; distribute: Distribute; audit: AuditTrail; clock: () => number }) {}

  async block(m: ManualBlock, actor: Actor): Promise<Block> {
    const now = this.d.clock();
    const value = this.d.service.subjectValue(m.tenant, m.kind, m.value);
    const record: Block = {
      kind: 'block',
      id: randomUUID(),
      tenant: m.tenant,
      rule: 'manual',
      severity: 'critical',
      subject: { kind: m.kind, value },
      reason: m.reason,
      level: 1,
      scope: m.scope,
      startsAt: now,
      expiresAt: now + m.durationMs,
      evidence: NO_EVIDENCE,
      source: 'manual',
      createdBy: actor.id,
      state: 'active',
    };
    await this.change(record, 'block.manual', actor, {
      blockId: record.id,
      tenant: m.tenant,
      subject: `${m.kind}:${value}`,
      durationMs: m.durationMs,
      scope: m.scope,
      reason: m.reason,
    });
    return record;
  }

  async unblock(id: string, reason: string, actor: Actor): Promise<Block> {
    const now = this.d.clock();
    const found = await this.d.store.findBlock(id);
    if (!found) throw new SentinelaError('NOT_FOUND', `no block with id ${id}`, { path: 'id' });
    if (found.state === 'lifted') throw new SentinelaError('CONFLICT', `block ${id} was already lifted by ${found.liftedBy || 'someone'}`, { path: 'id' });
    if (found.expiresAt <= now) throw new SentinelaError('CONFLICT', `block ${id} already expired at ${iso(found.expiresAt)}`, { path: 'id' });
    const lifted = liftBlock(found, now, actor.id, reason);
    await this.change(lifted, 'block.unblock', actor, {
      blockId: id,
      tenant: found.tenant,
      subject: `${found.subject.kind}:${found.subject.value}`,
      rule: found.rule,
      reason,
    });
    return lifted;
  }

  private async change(record: Block, eventType: 'block.manual' | 'block.unblock', actor: Actor, details: Record<string, unknown>): Promise<void> {
    await this.d.store.saveBlocks([record]);
    this.d.service.table.apply(record, this.d.clock());
    await this.d.distribute([record]);
    await this.d.audit.record({ type: eventType, actor: actor.id, ip: actor.ip, result: 'success', details });
  }
}
