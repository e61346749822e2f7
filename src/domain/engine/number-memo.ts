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

  normalise(dialled: string, plan: DialPlan, side: Side): NumberResult {
    let tables = this.tables.get(plan);
    if (!tables) this.tables.set(plan, (tables = { caller: new Map(), callee: new Map() }));
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
