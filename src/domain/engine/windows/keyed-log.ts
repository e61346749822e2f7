/**
 * Per-key event logs for one rule: event times (with the arrival sequence number that finds the CDR id in the
 * EvidenceRing), sorted by event time, optionally with one numeric value per event. Entries older than the
 * horizon (watermark - allowed lateness - window) are trimmed and empty keys evicted, so memory follows the
 * active keys.
 *
 * Layout: one flat number array per key, [t0, seq0, (v0,) t1, seq1, (v1,) …], which V8 stores unboxed, at its exact
 * size while small; see `npm run bench:engine` for the bytes per key. Values are numbers (a value rule encodes what
 * it needs, e.g. a hash): no object per event, and the logs of the rules keyed on one kind of subject share a
 * LogTable (one map lookup per subject and call between them).
 */
import { LogTable, type HorizonOf } from './log-table.js';

/** Logs shorter than this many numbers are kept at their exact size. */
const EXACT_SIZE_BELOW = 32;

export type { HorizonOf };

export class KeyedLog {
  /** Numbers per event: 2 (time, seq), or 3 with a value. */
  private readonly stride: 2 | 3;
  private readonly table: LogTable;
  private readonly ownTable: boolean;
  private readonly slot: number;
  /** The log of the key inserted last. */
  readonly view: LogView;

  /**
   * A log with a table of its own, or a slot in `shared`, the table of the rules keyed on the same kind of
   * subject, trimmed by its owner (each slot at the key's horizon minus its `windowMs`).
   */
  constructor(withValues: boolean, shared?: { readonly table: LogTable; readonly windowMs: number }) {
    this.stride = withValues ? 3 : 2;
    this.table = shared?.table ?? new LogTable();
    this.ownTable = shared === undefined;
    this.slot = this.table.addSlot(this.stride, shared?.windowMs ?? 0);
    this.view = new LogView(this.stride);
  }

  get keyCount(): number {
    return this.table.keyCount(this.slot);
  }

  /**
   * Inserts an event in time order (after equal times) and returns its index in the key's log, which `view` now
   * shows. The view is reused by every insert (counting a call allocates nothing): read it before the next one.
   */
  insert(key: string, t: number, seq: number, value = 0): number {
    const stride = this.stride;
    const record = this.table.recordOf(key);
    const old = record[this.slot];
    const n = old?.length ?? 0;
    let at = n;
    while (at > 0 && ((old as number[])[at - stride] as number) > t) at -= stride;
    let log: number[];
    if (!old) {
      log = stride === 2 ? [t, seq] : [t, seq, value];
      record[this.slot] = log;
      this.table.opened(this.slot);
    } else if (n < EXACT_SIZE_BELOW) {
      // small logs are rebuilt at their exact size: V8 would otherwise reserve ~17 slots on the first push
      log = copyWith(old, at, stride, t, seq, value);
      record[this.slot] = log;
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
   * Drops every entry with time < horizon; keys left empty are evicted (see LogTable.trim). A log in a shared
   * table is trimmed with the table, by its owner, once for every rule in it: here, nothing.
   */
  trim(horizonOf: number | HorizonOf): void {
    if (this.ownTable) this.table.trim(horizonOf);
  }

  /** Number of stored events across keys (for stats). */
  eventCount(): number {
    return this.table.eventCount(this.slot);
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
