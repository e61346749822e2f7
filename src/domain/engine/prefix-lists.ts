/** One row of a curated prefix list (`rules/lists/<list>.csv`): every row names its source (F4). */
export interface PrefixEntry {
  readonly list: string;
  /** E.164 digits without +, e.g. `2917`. */
  readonly prefix: string;
  readonly name: string;
  readonly category: string;
  readonly source: string;
}

const NO_HITS: readonly PrefixEntry[] = Object.freeze([]);

/** Longest-prefix lookup over the curated premium-rate / IRSF lists. */
export class PrefixLists {
  private readonly byPrefix = new Map<string, PrefixEntry[]>();
  /** The prefix lengths the lists hold, longest first: a number is looked up at these lengths only. */
  private readonly lengths: readonly number[];

  constructor(entries: readonly PrefixEntry[]) {
    for (const e of entries) {
      const list = this.byPrefix.get(e.prefix);
      if (list) list.push(e);
      else this.byPrefix.set(e.prefix, [e]);
    }
    this.lengths = [...new Set(entries.map((e) => e.prefix.length))].sort((a, b) => b - a);
  }

  /** The longest matching entry of each list for an E.164 number (`+2917…`), longest first (most numbers: none, shared). */
  lookup(e164: string): readonly PrefixEntry[] {
    const digits = e164.startsWith('+') ? e164.slice(1) : e164;
    let found: PrefixEntry[] | undefined;
    for (const n of this.lengths) {
      if (n > digits.length) continue;
      const hits = this.byPrefix.get(digits.slice(0, n));
      if (!hits) continue;
      for (const hit of hits) {
        if (found?.some((f) => f.list === hit.list)) continue;
        (found ??= []).push(hit);
      }
    }
    return found ?? NO_HITS;
  }
}
