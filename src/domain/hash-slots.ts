const EMPTY = 0;

/**
 * An open-addressing table of 64-bit hashes (hi, lo; 0/0 is an empty slot, which `hash64` never gives) with
 * `columns` 32-bit values per slot, in typed arrays: no object, string or heap number per entry. Linear probing;
 * it grows at half full, and deletion shifts the entries that probed past the hole back (no tombstones).
 */
export class HashSlots {
  private hi: Uint32Array;
  private lo: Uint32Array;
  /** The values of each slot, column by column: `values[c][slot]` (new arrays when the table resizes). */
  values: Uint32Array[];
  private mask: number;
  size = 0;

  /** `slots`: a power of two. */
  constructor(
    private readonly columns: number,
    slots: number,
  ) {
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.values = Array.from({ length: columns }, () => new Uint32Array(slots));
    this.mask = slots - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get bufferBytes(): number {
    return this.capacity * 4 * (2 + this.columns);
  }

  /** The slot holding (hi, lo); if absent, `~slot` of the empty slot it would take (negative), for `add`. */
  find(hi: number, lo: number): number {
    let slot = lo & this.mask;
    for (;;) {
      const l = this.lo[slot] as number;
      const h = this.hi[slot] as number;
      if (l === lo && h === hi) return slot;
      if (l === EMPTY && h === EMPTY) return ~slot;
      slot = (slot + 1) & this.mask;
    }
  }

  /**
   * Adds (hi, lo) where `find` said it would go (`absent`, its negative answer, with nothing added or removed since)
   * with the first columns' values. The table may grow: slots move, and `values` is then new arrays.
   */
  add(absent: number, hi: number, lo: number, a: number, b = 0): void {
    const slot = ~absent;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    (this.values[0] as Uint32Array)[slot] = a;
    if (this.columns > 1) (this.values[1] as Uint32Array)[slot] = b;
    if (++this.size * 2 > this.capacity) this.resize(this.capacity * 2);
  }

  /** Calls `each` with every occupied slot and its hash (the table must not change meanwhile). */
  forEach(each: (slot: number, hi: number, lo: number) => void): void {
    for (let slot = 0; slot < this.lo.length; slot++) {
      const l = this.lo[slot] as number;
      const h = this.hi[slot] as number;
      if (l !== EMPTY || h !== EMPTY) each(slot, h, l);
    }
  }

  /** Empties `slot`: the entries after it that probed past it move up. */
  remove(slot: number): void {
    const mask = this.mask;
    this.size--;
    let hole = slot;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const nextLo = this.lo[next] as number;
      if (nextLo === EMPTY && this.hi[next] === EMPTY) break;
      const home = nextLo & mask;
      // the entry at `next` fills the hole unless its home slot lies cyclically within (hole, next]
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        this.hi[hole] = this.hi[next] as number;
        this.lo[hole] = nextLo;
        for (const column of this.values) column[hole] = column[next] as number;
        hole = next;
      }
    }
    this.hi[hole] = EMPTY;
    this.lo[hole] = EMPTY;
  }

  /** Rehashes into `slots` (a power of two, more than twice the entries). */
  resize(slots: number): void {
    const { hi, lo, values } = this;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.values = values.map(() => new Uint32Array(slots));
    this.mask = slots - 1;
    for (let i = 0; i < hi.length; i++) {
      const l = lo[i] as number;
      const h = hi[i] as number;
      if (l === EMPTY && h === EMPTY) continue;
      let slot = l & this.mask;
      while (this.lo[slot] !== EMPTY || this.hi[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.hi[slot] = h;
      this.lo[slot] = l;
      for (let c = 0; c < values.length; c++) (this.values[c] as Uint32Array)[slot] = (values[c] as Uint32Array)[i] as number;
    }
  }
}
