/** One row of a curated prefix list (`rules/lists/<list>.csv`): every row names its source (F4). */
export interface PrefixEntry {
  readonly list: string;
  /** E.164 digits without +, e.g. `2917`. */
  readonly prefix: string;
  readonly name: string;
  readonly category: string;
  readonly source: string;
}

const MAX_PREFIX = 15;

/** Longest-prefix lookup over the curated premium-rate / IRSF lists. */
export class PrefixLists {
  private readonly byPrefix = new Map<string, PrefixEntry[]>();

  constructor(entries: readonly PrefixEntry[]) {
    for (const e of entries) {
      const list = this.byPrefix.get(e.prefix);
      if (list) list.push(e);
      else this.byPrefix.set(e.prefix, [e]);
    }
  }

  /** The longest matching entry of each list for an E.164 number (`+2917…`), longest first. */
  lookup(e164: string): PrefixEntry[] {
    const digits = e164.startsWith('+') ? e164.slice(1) : e164;
    const found: PrefixEntry[] = [];
    const lists = new Set<string>();
    for (let n = Math.min(digits.length, MAX_PREFIX); n >= 1; n--) {
      const hits = this.byPrefix.get(digits.slice(0, n));
      if (!hits) continue;
      for (const hit of hits) {
        if (lists.has(hit.list)) continue;
        lists.add(hit.list);
        found.push(hit);
      }
    }
    return found;
  }
}
