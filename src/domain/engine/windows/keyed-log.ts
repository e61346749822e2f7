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

/** One key's log: replaced arrays are swapped in place, so an insert looks the key up once. */
interface Log<V> {
  pairs: number[];
  readonly values: V[] | null;
}

export class KeyedLog<V = never> {
  private readonly logs = new Map<string, Log<V>>();
  /** The log of the key inserted last. */
  readonly view = new LogView<V>();

  constructor(private readonly withValues: boolean) {}

  get keyCount(): number {
    return this.logs.size;
  }

  /**
   * Inserts an event in time order (after equal times) and returns its index in the key's log, which `view` now
   * shows. The view is reused by every insert (counting a call allocates nothing): read it before the next one.
   */
  insert(key: string, t: number, seq: number, value?: V): number {
    const log = this.logs.get(key);
    if (!log) {
      const fresh: Log<V> = { pairs: [t, seq], values: this.withValues ? [value as V] : null };
      this.logs.set(key, fresh);
      this.view.show(fresh.pairs, fresh.values);
      return 0;
    }
    const old = log.pairs;
    const n = old.length;
    let index = n >> 1;
    while (index > 0 && (old[(index - 1) * 2] as number) > t) index--;
    if (n < EXACT_SIZE_BELOW) {
      // small logs are rebuilt at their exact size: V8 would otherwise reserve ~17 slots on the first push
      log.pairs = copyWith(old, index * 2, t, seq);
    } else if (index === n >> 1) old.push(t, seq);
    else old.splice(index * 2, 0, t, seq);
    const values = log.values;
    if (values) {
      if (index === values.length) values.push(value as V);
      else values.splice(index, 0, value as V);
    }
    this.view.show(log.pairs, values);
    return index;
  }

  /** Drops every entry with time < horizon; keys left empty are evicted. */
  trim(horizonOf: number | ((key: string) => number)): void {
    for (const [key, log] of this.logs) {
      const pairs = log.pairs;
      const horizon = typeof horizonOf === 'number' ? horizonOf : horizonOf(key);
      if ((pairs[0] as number) >= horizon) continue;
      let drop = 0;
      while (drop * 2 < pairs.length && (pairs[drop * 2] as number) < horizon) drop++;
      if (drop * 2 === pairs.length) {
        this.logs.delete(key);
      } else {
        log.pairs = pairs.slice(drop * 2);
        log.values?.splice(0, drop);
      }
    }
  }

  /** Number of stored events across keys (for stats). */
  eventCount(): number {
    let n = 0;
    for (const log of this.logs.values()) n += log.pairs.length >> 1;
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
