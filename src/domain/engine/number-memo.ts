import type { Normaliser, NumberResult, Side } from '../numbering/normaliser.js';
import type { DialPlan } from '../numbering/types.js';

/**
 * Entries per table before it is cleared. Callers repeat on every call they make: a big table. Most callees are
 * dialled once or a few times close together (a redial, a burst to one number): a small one, so a new number does
 * not cost an insert in a 100k-entry map and an entry the collector copies until the table clears (measured,
 * bench:engine; normalising a callee is cheap anyway, its classification is cached by prefix).
 */
const MAX_ENTRIES: Readonly<Record<Side, number>> = { caller: 100_000, callee: 2048 };

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
      if (table.size >= MAX_ENTRIES[side]) table.clear();
      table.set(dialled, result);
    }
    return result;
  }
}
