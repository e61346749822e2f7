/**
 * Per-key event logs for one rule: event times (with the arrival sequence number that finds the CDR id in the
 * EvidenceRing), sorted by event time, optionally with one value per event. Entries older than the horizon
 * (watermark - allowed lateness - window) are trimmed and empty keys evicted, so memory follows the active keys.
 *
 * Layout: one flat number array per key, [t0, seq0, t1, seq1, …], which V8 stores unboxed. A key with two
 * events costs about 130 bytes (map entry, key string, array); see `npm run bench:engine`.
 */
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
    let pairs = this.pairs.get(key);
    let values = this.values?.get(key);
    if (!pairs) {
      pairs = [];
      this.pairs.set(key, pairs);
      if (this.values) this.values.set(key, (values = []));
    }
    let index = pairs.length >> 1;
    while (index > 0 && (pairs[(index - 1) * 2] as number) > t) index--;
    if (index === pairs.length >> 1) {
      pairs.push(t, seq);
      values?.push(value as V);
    } else {
      pairs.splice(index * 2, 0, t, seq);
      values?.splice(index, 0, value as V);
    }
    return { view: new LogView(pairs, values ?? null), index };
  }

  /** Drops every entry with time < horizon; keys left empty are evicted. */
  trim(horizon: number): void {
    for (const [key, pairs] of this.pairs) {
      if ((pairs[0] as number) >= horizon) continue;
      let drop = 0;
      while (drop * 2 < pairs.length && (pairs[drop * 2] as number) < horizon) drop++;
      if (drop * 2 === pairs.length) {
        this.pairs.delete(key);
        this.values?.delete(key);
      } else {
        pairs.splice(0, drop * 2);
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
