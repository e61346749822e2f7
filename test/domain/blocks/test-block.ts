import { NO_EVIDENCE, type Block } from '../../../src/domain/blocks/block.js';
import type { Subject } from '../../../src/domain/engine/verdicts.js';

export const BLOCK_T0 = Date.parse('2026-03-02T15:00:00-03:00');
const HOUR = 3_600_000;

/** An active rule block of tenant acme (velocity-caller, level 1, all calls) from BLOCK_T0 for an hour; `over` changes any field. */
export const testBlock = (id: string, subject: Subject, over: Partial<Block> = {}): Block => ({
  kind: 'block',
  id,
  tenant: 'acme',
  rule: 'velocity-caller',
  severity: 'critical',
  subject,
  reason: '12 calls in 10 min',
  level: 1,
  scope: 'all',
  startsAt: BLOCK_T0,
  expiresAt: BLOCK_T0 + HOUR,
  evidence: NO_EVIDENCE,
  source: 'rule',
  createdBy: '',
  state: 'active',
  ...over,
});
