/**
 * Per-key event logs for one rule: event times (with the arrival sequence number that finds the CDR id in the
 * EvidenceRing), sorted by event time, optionally with one numeric value per event. Entries older than the
 * horizon (watermark - allowed lateness - window) are trimmed and empty keys evicted, so memory follows the
 * active keys.
 *
 * Layout: one flat number array per key, [t0, seq0, (v0,) t1, seq1, (v1,) …], which V8 stores unboxed, at its exact
 * size while small; see `npm run bench:engine` for the bytes per key. Values are numbers (a value rule encodes what
 * it needs, e.g. a hash): one map lookup per insert and no object per event.
 */
/** Logs shorter than this many numbers are kept at their exact size. */
const EXACT_SIZE_BELOW = 32;

/** Event-time horizon of a key; `latest`, when known, is no earlier than any key's horizon. */
export interface HorizonOf {
  (key: string): number;
  readonly latest?: number;
}

export class KeyedLog {
  private readonly logs = new Map<string, number[]>();
  /** Numbers per event: 2 (time, seq), or 3 with a value. */
  private readonly stride: 2 | 3;
  /** The log of the key inserted last. */
  readonly view: LogView;

  constructor(withValues: boolean) {
    this.stride = withValues ? 3 : 2;
    this.view = new LogView(this.stride);
  }

  get keyCount(): number {
    return this.logs.size;
  }

  /**
   * Inserts an event in time order (after equal times) and returns its index in the key's log, which `view` now
   * shows. The view is reused by every insert (counting a call allocates nothing): read it before the next one.
   */
  insert(key: string, t: number, seq: number, value = 0): number {
    const stride = this.stride;
    const old = this.logs.get(key);
    const n = old?.length ?? 0;
    let at = n;
    while (at > 0 && ((old as number[])[at - stride] as number) > t) at -= stride;
    let log: number[];
    if (!old) {
      log = stride === 2 ? [t, seq] : [t, seq, value];
      this.logs.set(key, log);
    } else if (n < EXACT_SIZE_BELOW) {
      // small logs are rebuilt at their exact size: V8 would otherwise reserve ~17 slots on the first push
      log = copyWith(old, at, stride, t, seq, value);
      this.logs.set(key, log);
    } else {
      log = old;
      if (at === n) {
        if (stride === 2) log.push(t, seq);
        else log.push(t, seq, value);
      } else if (stride === 2) log.splice(at, 0, t, seq);
      else log.splice(at, 0, t, seq, value);
    }
    this.view.show(log);
    return at / stride;
  }

  /**
   * Drops every entry with time < horizon; keys left empty are evicted. A key whose oldest event is at or after
   * `horizonOf.latest` (no key's horizon is later) is kept without computing its horizon: most keys, each trim.
   */
  trim(horizonOf: number | HorizonOf): void {
    const stride = this.stride;
    const latest = typeof horizonOf === 'number' ? horizonOf : (horizonOf.latest ?? Infinity);
    // forEach, not for…of: the entries iterator allocates an array per key
    this.logs.forEach((log, key, logs) => {
      if ((log[0] as number) >= latest) return;
      const horizon = typeof horizonOf === 'number' ? horizonOf : horizonOf(key);
      if ((log[0] as number) >= horizon) return;
      let drop = 0;
      while (drop < log.length && (log[drop] as number) < horizon) drop += stride;
      if (drop === log.length) logs.delete(key);
      else logs.set(key, log.slice(drop));
    });
  }

  /** Number of stored events across keys (for stats). */
  eventCount(): number {
    let n = 0;
    for (const log of this.logs.values()) n += log.length / this.stride;
    return n;
  }
}

/** `log` with one event inserted at `at`, at its exact size (a sized copy is ~4× faster than concat). */
function copyWith(log: readonly number[], at: number, stride: 2 | 3, t: number, seq: number, value: number): number[] {
  const n = log.length;
  const out = new Array<number>(n + stride);
  for (let i = 0; i < at; i++) out[i] = log[i] as number;
  out[at] = t;
  out[at + 1] = seq;
  if (stride === 3) out[at + 2] = value;
  for (let i = at; i < n; i++) out[i + stride] = log[i] as number;
  return out;
}

/** Read access to one key's log. */
export class LogView {
  private log: readonly number[] = [];

  constructor(private readonly stride: 2 | 3) {}

  show(log: readonly number[]): void {
    this.log = log;
  }

  get length(): number {
    return this.log.length / this.stride;
  }
  time(i: number): number {
    return this.log[i * this.stride] as number;
  }
  seq(i: number): number {
    return this.log[i * this.stride + 1] as number;
  }
  /** The event's value (0 in a log without values). */
  value(i: number): number {
    return this.stride === 3 ? (this.log[i * this.stride + 2] as number) : 0;
  }
}
