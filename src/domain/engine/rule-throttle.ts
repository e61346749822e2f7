import { liftBlock, supersededBy, type Block } from '../blocks/block.js';
import type { CompiledRule, CompiledThrottle } from '../rules/compile.js';
import { formatDuration } from '../rules/duration.js';
import { round2 } from '../round.js';
import { subjectText, verdictId, type Subject } from './verdicts.js';

export { supersededBy };

/**
 * The graded answer of a rule with `throttle` (issue 16 item 7, G1): the one form of a block, with its rate, issued
 * at the warn threshold (or a critical one below the block) and running `for` from the decision. Its id differs from
 * the rule's block ids, so a later block of the same subject is a new block, and the throttle is lifted by it.
 */
export function ruleThrottle(
  rule: CompiledRule,
  t: CompiledThrottle,
  subject: Subject,
  tenant: string,
  at: number,
  from: number,
  value: number,
  need: number,
  evidence: readonly string[],
): Block {
  const rate = `${t.calls} ${t.scope === 'international' ? 'international ' : ''}calls per ${formatDuration(t.perMs)}`;
  return {
    kind: 'block',
    id: verdictId(['throttle', tenant, rule.id, subjectText(subject), at]),
    tenant,
    rule: rule.id,
    severity: 'critical',
    subject,
    reason: `${amount(rule, value)} ${measureText(rule)} (throttles at ${amount(rule, need)}): ${rate} for ${formatDuration(t.forMs)}: ${rule.description}`,
    level: 1,
    scope: t.scope,
    throttle: { calls: t.calls, perMs: t.perMs },
    startsAt: from,
    expiresAt: from + t.forMs,
    evidence,
    source: 'rule',
    createdBy: '',
    state: 'active',
  };
}

/**
 * The throttle's lifted state when its rule blocks the subject: the block supersedes it (this lift outranks the
 * active row it replaces, never an operator's lift: blockVersion), so the subject holds one answer, listed and stored once.
 */
export function supersede(throttle: Block, block: Block): Block {
  return liftBlock(throttle, block.startsAt, supersededBy(block.rule), `superseded by block ${block.id}`);
}

function measureText(rule: CompiledRule): string {
  const within = ` within ${formatDuration(rule.windowMs)}`;
  switch (rule.measure.kind) {
    case 'sum':
      return `spent${within}`;
    case 'distinct':
      return `distinct ${rule.measure.of}s${within}`;
    case 'count':
      return `calls${within}`;
    case 'rangeScore':
      return `range score${within}`;
    case 'sequence':
      return `sequentially dialled numbers${within}`;
    case 'dailyQuota':
      return '% of the daily international quota used';
    case 'moneyCap':
      return '% of the money cap used';
    case 'dailyTotal':
      return rule.measure.of === 'cost' ? 'spent today' : 'billed minutes today';
  }
}

/** Money in reais (`R$ 150`), other measures as numbers. */
const amount = (rule: CompiledRule, n: number): string =>
  rule.measure.kind === 'sum' || (rule.measure.kind === 'dailyTotal' && rule.measure.of === 'cost') ? `R$ ${round2(n)}` : `${round2(n)}`;
