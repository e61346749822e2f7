/**
 * Per-key event logs for one rule: event times (with the arrival sequence number that finds the CDR id in the
 * EvidenceRing), sorted by event time, optionally with one value per event. Entries older than the horizon
 * (watermark - allowed lateness - window) are trimmed and empty keys evicted, so memory follows the active keys.
 *
 * Layout: one flat number array per key, [t0, seq0, t1, seq1, …], which V8 stores unboxed, at its exact size
 * while small; see `npm run bench:engine` for the bytes per key.
 */
/** Logs shorter than this many numbers (16 events) are kept at their exact size. */
const EXACT_SIZE_BELOW = 32;

export class KeyedLog<V = never> {
  // Two maps rather than one record per key: a record object per key measured +40 bytes per key (bench:engine)
  private readonly pairs = new Map<string, number[]>();
  private readonly values: Map<string, V[]> | null;
  /** The log of the key inserted last. */
  readonly view = new LogView<V>();

  constructor(withValues: boolean) {
    this.values = withValues ? new Map() : null;
  }

  get keyCount(): number {
    return this.pairs.size;
  }

  /**
   * Inserts an event in time order (after equal times) and returns its index in the key's log, which `view` now
   * shows. The view is reused by every insert (counting a call allocates nothing): read it before the next one.
   */
  insert(key: string, t: number, seq: number, value?: V): number {
    const old = this.pairs.get(key);
    const n = old?.length ?? 0;
    let index = n >> 1;
    while (index > 0 && ((old as number[])[(index - 1) * 2] as number) > t) index--;
    let pairs: number[];
    if (!old || n < EXACT_SIZE_BELOW) {
      // small logs are rebuilt at their exact size: V8 would otherwise reserve ~17 slots on the first push
      pairs = old ? copyWith(old, index * 2, t, seq) : [t, seq];
      this.pairs.set(key, pairs);
    } else {
      pairs = old;
      if (index === n >> 1) pairs.push(t, seq);
      else pairs.splice(index * 2, 0, t, seq);
    }
    let values: V[] | null = null;
    if (this.values) {
      values = this.values.get(key) ?? null;
      if (!values) this.values.set(key, (values = [value as V]));
      else if (index === values.length) values.push(value as V);
      else values.splice(index, 0, value as V);
    }
    this.view.show(pairs, values);
    return index;
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

/** `pairs` with (t, seq) inserted at `at`, at its exact size (a sized copy is ~4× faster than concat). */
function copyWith(pairs: readonly number[], at: number, t: number, seq: number): number[] {
  const n = pairs.length;
  const out = new Array<number>(n + 2);
  for (let i = 0; i < at; i++) out[i] = pairs[i] as number;
  out[at] = t;
  out[at + 1] = seq;
  for (let i = at; i < n; i++) out[i + 2] = pairs[i] as number;
  return out;
}

/** Read access to one key's log. */
export class LogView<V> {
  private pairs: readonly number[] = [];
  private vals: readonly V[] | null = null;

  show(pairs: readonly number[], vals: readonly V[] | null): void {
    this.pairs = pairs;
    this.vals = vals;
  }

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
