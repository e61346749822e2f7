/**
 * Per-key event logs for one rule: event times (with the arrival sequence number that finds the CDR id in the
 * EvidenceRing), sorted by event time, optionally with one value per event. Entries older than the horizon
 * (watermark - allowed lateness - window) are trimmed and empty keys evicted, so memory follows the active keys.
 *
 * Layout: one flat number array per key, [t0, seq0, t1, seq1, …], which V8 stores unboxed, at its exact size
 * while small; see `npm run bench:engine` for the bytes per key.
 */
const EMPTY: readonly number[] = [];
/** Logs shorter than this many numbers (16 events) are kept at their exact size. */
const EXACT_SIZE_BELOW = 32;

export class KeyedLog<V = never> {
  private readonly pairs = new Map<string, number[]>();
  private readonly values: Map<string, V[]> | null;

  constructor(withValues: boolean) {
    this.values = withValues ? new Map() : null;
  }

  get keyCount(): number {
    return this.pairs.size;
  }

  /** Inserts an event in time order (after equal times) and returns the view of the key and its index. */
  insert(key: string, t: number, seq: number, value?: V): { view: LogView<V>; index: number } {
    const old = (this.pairs.get(key) ?? EMPTY) as number[];
    let index = old.length >> 1;
    while (index > 0 && (old[(index - 1) * 2] as number) > t) index--;
    let pairs: number[];
    if (old.length < EXACT_SIZE_BELOW) {
      // small logs are rebuilt at their exact size: V8 would otherwise reserve ~17 slots on the first push
      pairs = index === old.length >> 1 ? old.concat(t, seq) : old.slice(0, index * 2).concat(t, seq, old.slice(index * 2));
      this.pairs.set(key, pairs);
    } else {
      pairs = old;
      if (index === pairs.length >> 1) pairs.push(t, seq);
      else pairs.splice(index * 2, 0, t, seq);
    }
    let values: V[] | null = null;
    if (this.values) {
      values = this.values.get(key) ?? [];
      if (values.length === 0) this.values.set(key, values);
      values.splice(index, 0, value as V);
    }
    return { view: new LogView(pairs, values), index };
  }

  /** Drops every entry with time < horizon; keys left empty are evicted. */
  trim(horizonOf: number | ((key: string) => number)): void {
    for (const [key, pairs] of this.pairs) {
      const horizon = typeof horizonOf === 'number' ? horizonOf : horizonOf(key);
      if ((pairs[0] as number) >= horizon) continue;
      let drop = 0;
      while (drop * 2 < pairs.length && (pairs[drop * 2] as number) < horizon) drop++;
      if (drop * 2 === pairs.length) {
        this.pairs.delete(key);
        this.values?.delete(key);
      } else {
        this.pairs.set(key, pairs.slice(drop * 2));
        this.values?.get(key)?.splice(0, drop);
      }
    }
  }

  /** Number of stored events across keys (for stats). */
  eventCount(): number {
    let n = 0;
    for (const pairs of this.pairs.values()) n += pairs.length >> 1;
    return n;
  }
}

/** Read access to one key's log. */
export class LogView<V> {
  constructor(
    private readonly pairs: readonly number[],
    private readonly vals: readonly V[] | null,
  ) {}

  get length(): number {
    return this.pairs.length >> 1;
  }
  time(i: number): number {
    return this.pairs[i * 2] as number;
  }
  seq(i: number): number {
    return this.pairs[i * 2 + 1] as number;
  }
  value(i: number): V {
    return (this.vals as readonly V[])[i] as V;
  }
}
