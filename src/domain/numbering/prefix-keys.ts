/**
 * Longest-prefix tables keyed by the prefix's digits as an integer, not a string: a lookup per prefix length reads
 * a small-integer map and allocates nothing (a substring per length had to be allocated and hashed, on every call).
 * E.164 digits never start with 0, so prefixes of different lengths never share a key; a prefix that is not all
 * digits, or starts with 0, has no key and matches nothing.
 */
export class PrefixKeys<T> {
  private readonly byKey = new Map<number, T[]>();
  /** The prefix lengths held, longest first: a number is looked up at these lengths only. */
  readonly lengths: readonly number[];

  constructor(entries: Iterable<readonly [prefix: string, item: T]>) {
    const lengths = new Set<number>();
    for (const [prefix, item] of entries) {
      const key = prefixKey(prefix, 0, prefix.length);
      if (key < 0 || prefix.startsWith('0')) continue;
      const list = this.byKey.get(key);
      if (list) list.push(item);
      else this.byKey.set(key, [item]);
      lengths.add(prefix.length);
    }
    this.lengths = [...lengths].sort((a, b) => b - a);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The items of the prefix of length `n` of an E.164 number (`+2917…` or digits), in table order, if held. */
  at(e164: string, n: number): readonly T[] | undefined {
    const start = e164.charCodeAt(0) === 43 /* + */ ? 1 : 0;
    // a leading 0 would make `02…` read as `2…`: no E.164 number starts with one, and no held prefix does
    if (n > e164.length - start || e164.charCodeAt(start) === 48) return undefined;
    const key = prefixKey(e164, start, n);
    return key < 0 ? undefined : this.byKey.get(key);
  }
}

/** Digits [start, start + n) of `text` as an integer, or -1 when one is not a digit (15 digits fit a double exactly). */
function prefixKey(text: string, start: number, n: number): number {
  let key = 0;
  for (let i = start; i < start + n; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    key = key * 10 + digit;
  }
  return n === 0 ? -1 : key;
}
