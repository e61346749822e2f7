import type { Normaliser, NumberResult, Side } from '../numbering/normaliser.js';
import type { DialPlan } from '../numbering/types.js';

const MAX_ENTRIES = 100_000;

/**
 * Remembers recent normalisations per dial plan and side: callers repeat on every call they make, so most
 * lookups skip normalisation entirely. Bounded: a table that fills up is cleared (cheap, and the hot
 * numbers come straight back).
 */
export class NumberMemo {
  private readonly tables = new WeakMap<DialPlan, { caller: Map<string, NumberResult>; callee: Map<string, NumberResult> }>();

  constructor(private readonly normaliser: Normaliser) {}

  /** The plan asked for last and its tables: most calls share a plan, and a WeakMap lookup is not cheap. */
  private lastPlan: DialPlan | undefined;
  private lastTables = { caller: new Map<string, NumberResult>(), callee: new Map<string, NumberResult>() };

  normalise(dialled: string, plan: DialPlan, side: Side): NumberResult {
    let tables = plan === this.lastPlan ? this.lastTables : this.tables.get(plan);
    if (!tables) this.tables.set(plan, (tables = { caller: new Map(), callee: new Map() }));
    this.lastPlan = plan;
    this.lastTables = tables;
    const table = tables[side];
    let result = table.get(dialled);
    if (result === undefined) {
      result = this.normaliser.normalise(dialled, plan, side);
      if (table.size >= MAX_ENTRIES) table.clear();
      table.set(dialled, result);
    }
    return result;
  }
}
