import { BUDGETS, type Budget } from '../sim/budgets.js';
import type { LabelEpisode } from '../sim/labels.js';

/** Budgets (src/sim/budgets.ts): was an episode caught before it cost more than its type allows? Pure. */

export interface BudgetResult {
  readonly budget: Budget;
  readonly within: boolean;
  /** Which path met it: a verdict after few enough CDRs, or a refused call attempt early enough. */
  readonly by?: 'cdrs' | 'attempts';
}

/** The episode's own budget, else its type's (hand-made labels of other types have none). */
export function budgetFor(e: LabelEpisode): Budget | undefined {
  return e.budget ?? BUDGETS[e.type];
}

export interface Detection {
  /** Episode CDRs (and their true cost) arrived when the first detecting verdict was emitted; absent: no verdict. */
  readonly arrived?: number;
  readonly arrivedCost?: number;
  /** 1-based position, among the episode's outbound calls in start order, of the first one block-check refused. */
  readonly firstRefusedAttempt?: number;
}

export function judgeBudget(budget: Budget, d: Detection): BudgetResult {
  const limited = budget.cdrs !== undefined || budget.cost !== undefined;
  const byCdrs =
    limited &&
    d.arrived !== undefined &&
    (budget.cdrs === undefined || d.arrived <= budget.cdrs) &&
    (budget.cost === undefined || (d.arrivedCost ?? 0) <= budget.cost + 1e-9);
  const byAttempts = budget.attempts !== undefined && d.firstRefusedAttempt !== undefined && d.firstRefusedAttempt <= budget.attempts;
  return { budget, within: byCdrs || byAttempts, ...(byCdrs ? { by: 'cdrs' as const } : byAttempts ? { by: 'attempts' as const } : {}) };
}

/** "cdrs <= 5, R$ <= 150, attempt <= 1": a budget as the report prints it. */
export function budgetText(b: Budget): string {
  const parts: string[] = [];
  if (b.cdrs !== undefined) parts.push(`CDRs <= ${b.cdrs}`);
  if (b.cost !== undefined) parts.push(`R$ <= ${b.cost}`);
  if (b.attempts !== undefined) parts.push(`attempt <= ${b.attempts}`);
  return parts.join(' or ').replace(/CDRs <= (\d+) or R\$/, 'CDRs <= $1 and R$');
}
