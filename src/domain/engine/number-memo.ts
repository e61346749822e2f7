import type { Normaliser, NumberResult, Side } from '../numbering/normaliser.js';
import type { DialPlan } from '../numbering/types.js';

/**
 * Entries per table before it is cleared. Callers repeat on every call they make: a big table. Most callees are
 * dialled once or a few times close together (a redial, a burst to one number, `numbersOf` right after `process`):
 * a small one, cleared long before the collector's next young-generation pass would copy its entries (about 2,000
 * CDRs), so a new number costs neither an insert in a 100k-entry map nor an entry kept alive (measured,
 * bench:engine: 13 % fewer bytes surviving a scavenge). Normalising a callee is cheap: its classification stays
 * cached by prefix.
 */
const MAX_ENTRIES: Readonly<Record<Side, number>> = { caller: 100_000, callee: 256 };

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
