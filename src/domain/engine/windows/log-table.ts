/** Event-time horizon of a key; `latest`, when known, is no earlier than any key's horizon. */
export interface HorizonOf {
  (key: string): number;
  readonly latest?: number;
}

/** One subject's logs, one per slot (a rule keyed on the subject's kind); undefined while the rule holds none. */
export type SlotLogs = (number[] | undefined)[];

/**
 * The window logs of every rule keyed on one kind of subject (caller, account, IP…), one record per subject:
 * the rules counting a call against the same subject find it with one map lookup between them, not one each,
 * and a rule replacing its log writes the record, not the map. Layout of a log: see KeyedLog.
 */
export class LogTable {
  private readonly records = new Map<string, SlotLogs>();
  /** Per slot: numbers per event (2 or 3), window (ms, subtracted from a key's horizon when trimming), keys held. */
  private readonly strides: number[] = [];
  private readonly windows: number[] = [];
  private readonly counts: number[] = [];
  /** The record found last: the rules keyed on one subject ask for it in a row. */
  private lastKey: string | undefined;
  private last: SlotLogs = [];
  /** The trim under way (see trimSome): its horizons and where it is. */
  private pass: { readonly horizonOf: number | HorizonOf; readonly keys: Iterator<string> } | undefined;

  /** A slot for one rule's log, trimmed at each key's horizon minus `windowMs`. */
  addSlot(stride: 2 | 3, windowMs: number): number {
    this.strides.push(stride);
    this.windows.push(windowMs);
    this.counts.push(0);
    return this.strides.length - 1;
  }

  /** The record of `key`, created when absent (a log is then stored in it at once: no record stays empty). */
  recordOf(key: string): SlotLogs {
    if (key === this.lastKey) return this.last;
    let record = this.records.get(key);
    if (record === undefined) this.records.set(key, (record = new Array<number[] | undefined>(this.strides.length)));
    this.lastKey = key;
    this.last = record;
    return record;
  }

  /** A slot's log was stored for a key that held none. */
  opened(slot: number): void {
    (this.counts[slot] as number)++;
  }

  /** Keys holding a log in `slot`. */
  keyCount(slot: number): number {
    return this.counts[slot] as number;
  }

  /** Events stored in `slot` across keys (for stats). */
  eventCount(slot: number): number {
    let n = 0;
    for (const record of this.records.values()) n += (record[slot]?.length ?? 0) / (this.strides[slot] as number);
    return n;
  }

  /**
   * Drops, in every slot, the entries with time < the key's horizon minus the slot's window; slots left empty are
   * cleared and records left empty evicted. A log whose oldest event is at or after `horizonOf.latest` minus its
   * window (no key's horizon is later) is kept without computing the key's horizon: most logs, each trim.
   */
  trim(horizonOf: number | HorizonOf): void {
    this.beginTrim(horizonOf);
    this.trimSome(Infinity);
  }

  /** Starts a trim (see `trim`) that `trimSome` carries out a slice at a time; a pass under way is finished first. */
  beginTrim(horizonOf: number | HorizonOf): void {
    this.trimSome(Infinity);
    this.pass = { horizonOf, keys: this.records.keys() };
  }

  /**
   * Trims up to `budget` records of the pass under way; true once it is done (or none is). A million keys are tens
   * of milliseconds, a stall every block-check in flight would wait for: the engine trims a slice per event instead.
   * Records added meanwhile are visited too (a Map iterator sees them) and kept: they are fresh.
   */
  trimSome(budget: number): boolean {
    const pass = this.pass;
    if (pass === undefined) return true;
    this.lastKey = undefined;
    this.last = [];
    const { horizonOf } = pass;
    const latest = typeof horizonOf === 'number' ? horizonOf : (horizonOf.latest ?? Infinity);
    for (let n = 0; n < budget; n++) {
      const next = pass.keys.next();
      if (next.done === true) {
        this.pass = undefined;
        return true;
      }
      const record = this.records.get(next.value);
      if (record !== undefined && !this.trimRecord(record, next.value, horizonOf, latest)) this.records.delete(next.value);
    }
    return false;
  }

  /** Trims one record's slots; false when none is left. */
  private trimRecord(record: SlotLogs, key: string, horizonOf: number | HorizonOf, latest: number): boolean {
    const { strides, windows, counts } = this;
    let horizon: number | undefined;
    let live = 0;
    for (let slot = 0; slot < record.length; slot++) {
      const log = record[slot];
      if (log === undefined) continue;
      const window = windows[slot] as number;
      if ((log[0] as number) >= latest - window) {
        live++;
        continue;
      }
      horizon ??= typeof horizonOf === 'number' ? horizonOf : horizonOf(key);
      const keep = horizon - window;
      if ((log[0] as number) >= keep) {
        live++;
        continue;
      }
      const stride = strides[slot] as number;
      let drop = 0;
      while (drop < log.length && (log[drop] as number) < keep) drop += stride;
      if (drop === log.length) {
        record[slot] = undefined;
        (counts[slot] as number)--;
      } else {
        record[slot] = log.slice(drop);
        live++;
      }
    }
    return live > 0;
  }
}

/** The shared log tables of one engine, one per kind of subject rules are keyed on. */
export class LogTables {
  private readonly tables = new Map<string, LogTable>();
  private trimming = false;

  of(kind: string): LogTable {
    let table = this.tables.get(kind);
    if (!table) this.tables.set(kind, (table = new LogTable()));
    return table;
  }

  /** Trims every table (each slot by its own window, see LogTable.trim). */
  trim(horizonOf: HorizonOf): void {
    this.tables.forEach((table) => table.trim(horizonOf));
  }

  /** Starts a trim of every table, carried out by `trimSome` (see LogTable.trimSome). */
  beginTrim(horizonOf: HorizonOf): void {
    this.tables.forEach((table) => table.beginTrim(horizonOf));
    this.trimming = true;
  }

  /** Trims up to `budget` records of each table; true once every table's pass is done (at once when none runs). */
  trimSome(budget: number): boolean {
    if (!this.trimming) return true; // called per counted event: nothing, not even a closure, while no trim runs
    let done = true;
    this.tables.forEach((table) => void (done = table.trimSome(budget) && done));
    this.trimming = !done;
    return done;
  }
}
