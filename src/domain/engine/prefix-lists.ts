import { PrefixKeys } from '../numbering/prefix-keys.js';
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
  private readonly entries: PrefixKeys<PrefixEntry>;

  constructor(entries: readonly PrefixEntry[]) {
    this.entries = new PrefixKeys(entries.map((e) => [e.prefix, e] as const));
  }

  /** The longest matching entry of each list for an E.164 number (`+2917…`), longest first (most numbers: none, shared). */
  lookup(e164: string): readonly PrefixEntry[] {
    let found: PrefixEntry[] | undefined;
    for (const n of this.entries.lengths) {
      const hits = this.entries.at(e164, n);
      if (!hits) continue;
      for (const hit of hits) {
        if (found?.some((f) => f.list === hit.list)) continue;
        (found ??= []).push(hit);
      }
    }
    return found ?? NO_HITS;
  }
}
