import { hash64 } from '../hash.js';
import type { Subject } from './verdicts.js';

const EMPTY = 0;
const MIN_SLOTS = 1024;
const NONE = -1;
/** An entry trimmed, or taken: its chain still links through it. */
const DEAD = -1;

/**
 * The rule blocks a state rebuild restores, held compactly until the engine decides on their subject again (issue
 * 19). As episodes and escalation history in maps of key strings they cost 440 bytes and 3.4 µs a block: a million
 * active blocks held some 440 MB in the pipeline and took seconds of its start. Here a subject is a 64-bit hash of
 * (tenant, kind, value) in an open-addressing table of typed arrays, its blocks a chain of entries in restore order.
 * EpisodeBook takes a subject's blocks out the first time it decides on the subject and re-learns them then, in the
 * order they were restored, so it decides as if it had re-learnt them at the rebuild (property-tested).
 * Two of a million restored subjects share a hash with a chance of some 3 in 10^8 (their blocks would then be re-learnt
 * for both).
 */
export class RestoredBlocks {
  // the table: slot → subject hash (hi, lo; 0/0 is an empty slot), its first and last entry
  private hi = new Uint32Array(MIN_SLOTS);
  private lo = new Uint32Array(MIN_SLOTS);
  private first = new Int32Array(MIN_SLOTS);
  private last = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private subjects = 0;
  // the entries, in restore order: tenant and rule (interned), start and expiry, the next entry of the subject
  private tenantOf = new Int32Array(MIN_SLOTS);
  private ruleOf = new Int32Array(MIN_SLOTS);
  private startsAt = new Float64Array(MIN_SLOTS);
  private expiresAt = new Float64Array(MIN_SLOTS);
  private next = new Int32Array(MIN_SLOTS);
  private entries = 0;
  private live = 0;
  private readonly tenants: string[] = [];
  private readonly rules: string[] = [];
  private readonly tenantIndex = new Map<string, number>();
  private readonly ruleIndex = new Map<string, number>();

  /** Blocks held (not yet taken or trimmed). */
  get size(): number {
    return this.live;
  }

  /** Bytes of the typed arrays (outside the JS heap). */
  get bufferBytes(): number {
    return this.hi.length * 16 + this.tenantOf.length * 28;
  }

  add(tenant: string, subject: Subject, rule: string, startsAt: number, expiresAt: number): void {
    if (this.entries === this.tenantOf.length) this.growEntries();
    const entry = this.entries++;
    this.tenantOf[entry] = intern(tenant, this.tenants, this.tenantIndex);
    this.ruleOf[entry] = intern(rule, this.rules, this.ruleIndex);
    this.startsAt[entry] = startsAt;
    this.expiresAt[entry] = expiresAt;
    this.next[entry] = NONE;
    this.live++;
    const h = hash64(tenant, subject.kind, subject.value);
    let slot = h.lo & this.mask;
    for (;;) {
      const lo = this.lo[slot] as number;
      const hi = this.hi[slot] as number;
      if (lo === EMPTY && hi === EMPTY) break;
      if (lo === h.lo && hi === h.hi) {
        this.next[this.last[slot] as number] = entry;
        this.last[slot] = entry;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    this.hi[slot] = h.hi;
    this.lo[slot] = h.lo;
    this.first[slot] = entry;
    this.last[slot] = entry;
    if (++this.subjects * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
  }

  /** Hands the subject's blocks to `each` in restore order and forgets them; false if it had none. */
  take(tenant: string, subject: Subject, each: (rule: string, startsAt: number, expiresAt: number) => void): boolean {
    if (this.live === 0) return false;
    const h = hash64(tenant, subject.kind, subject.value);
    const mask = this.mask;
    let slot = h.lo & mask;
    while (this.lo[slot] !== h.lo || this.hi[slot] !== h.hi) {
      if (this.lo[slot] === EMPTY && this.hi[slot] === EMPTY) return false;
      slot = (slot + 1) & mask;
    }
    let taken = false;
    for (let entry = this.first[slot] as number; entry !== NONE; entry = this.next[entry] as number) {
      const rule = this.ruleOf[entry] as number;
      if (rule === DEAD) continue;
      this.ruleOf[entry] = DEAD;
      this.live--;
      taken = true;
      each(this.rules[rule] as string, this.startsAt[entry] as number, this.expiresAt[entry] as number);
    }
    this.remove(slot);
    if (this.live === 0) this.clear();
    return taken;
  }

  /**
   * Forgets blocks that can no longer quiet a rule or count for escalation: expired before their tenant's horizon
   * and started more than `withinMs` before it (what EpisodeBook.trim forgets of a block it re-learnt).
   */
  trim(horizonOf: (tenant: string) => number, withinMs: number): void {
    if (this.live === 0) return;
    const horizons = this.tenants.map(horizonOf);
    for (let entry = 0; entry < this.entries; entry++) {
      if (this.ruleOf[entry] === DEAD) continue;
      const horizon = horizons[this.tenantOf[entry] as number] as number;
      if ((this.expiresAt[entry] as number) < horizon && (this.startsAt[entry] as number) <= horizon - withinMs) {
        this.ruleOf[entry] = DEAD;
        this.live--;
      }
    }
    // a subject's chain of dead entries stays until taken or until every block is gone
    if (this.live === 0) this.clear();
  }

  private clear(): void {
    this.hi = new Uint32Array(MIN_SLOTS);
    this.lo = new Uint32Array(MIN_SLOTS);
    this.first = new Int32Array(MIN_SLOTS);
    this.last = new Int32Array(MIN_SLOTS);
    this.mask = MIN_SLOTS - 1;
    this.subjects = 0;
    this.tenantOf = new Int32Array(MIN_SLOTS);
    this.ruleOf = new Int32Array(MIN_SLOTS);
    this.startsAt = new Float64Array(MIN_SLOTS);
    this.expiresAt = new Float64Array(MIN_SLOTS);
    this.next = new Int32Array(MIN_SLOTS);
    this.entries = 0;
  }

  /** Backward-shift deletion (as CallDedup): the slots after the hole that probed past it move up. */
  private remove(slot: number): void {
    const mask = this.mask;
    this.subjects--;
    let hole = slot;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const nextLo = this.lo[next] as number;
      if (nextLo === EMPTY && this.hi[next] === EMPTY) break;
      const home = nextLo & mask;
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        this.hi[hole] = this.hi[next] as number;
        this.lo[hole] = nextLo;
        this.first[hole] = this.first[next] as number;
        this.last[hole] = this.last[next] as number;
        hole = next;
      }
    }
    this.hi[hole] = EMPTY;
    this.lo[hole] = EMPTY;
  }

  private resize(slots: number): void {
    const { hi, lo, first, last } = this;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.first = new Int32Array(slots);
    this.last = new Int32Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < hi.length; i++) {
      const l = lo[i] as number;
      const h = hi[i] as number;
      if (l === EMPTY && h === EMPTY) continue;
      let slot = l & this.mask;
      while (this.lo[slot] !== EMPTY || this.hi[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.hi[slot] = h;
      this.lo[slot] = l;
      this.first[slot] = first[i] as number;
      this.last[slot] = last[i] as number;
    }
  }

  private growEntries(): void {
    const size = this.tenantOf.length * 2;
    this.tenantOf = grown(this.tenantOf, new Int32Array(size));
    this.ruleOf = grown(this.ruleOf, new Int32Array(size));
    this.startsAt = grown(this.startsAt, new Float64Array(size));
    this.expiresAt = grown(this.expiresAt, new Float64Array(size));
    this.next = grown(this.next, new Int32Array(size));
  }
}

function grown<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function intern(text: string, texts: string[], index: Map<string, number>): number {
  let at = index.get(text);
  if (at === undefined) {
    at = texts.length;
    texts.push(text);
    index.set(text, at);
  }
  return at;
}
