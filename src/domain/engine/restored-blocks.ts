import { hash64 } from '../hash.js';
import { HashSlots } from '../hash-slots.js';
import type { Subject } from './verdicts.js';

const MIN_SLOTS = 1024;
const NONE = -1;
/** An entry trimmed, or taken: its chain still links through it. */
const DEAD = -1;
/** A block's expiry or start once trimmed: it no longer quiets its rule, or no longer counts for escalation. */
export const GONE = -Infinity;

/**
 * The rule blocks a state rebuild restores, held compactly until the engine decides on their subject again (issue
 * 19). As episodes and escalation history in maps of key strings they cost 440 bytes and 3.4 µs a block: a million
 * active blocks held some 440 MB in the pipeline and took seconds of its start. Here a subject is a 64-bit hash of
 * (tenant, kind, value) in a HashSlots table, its blocks a chain of entries in restore order.
 * EpisodeBook takes a subject's blocks out the first time it decides on the subject and re-learns them then, in the
 * order they were restored, so it decides as if it had re-learnt them at the rebuild (property-tested).
 * Two of a million restored subjects share a hash with a chance of some 3 in 10^8: the one decided on first would
 * then re-learn the other's blocks as its own, and the other none.
 */
export class RestoredBlocks {
  // the table: subject hash → its first and last entry
  private table = new HashSlots(2, MIN_SLOTS);
  // the entries, in restore order: tenant and rule (interned), start and expiry, the next entry of the subject
  private tenantOf = new Int32Array(MIN_SLOTS);
  private ruleOf = new Int32Array(MIN_SLOTS);
  private startsAt = new Float64Array(MIN_SLOTS);
  private expiresAt = new Float64Array(MIN_SLOTS);
  private next = new Int32Array(MIN_SLOTS);
  private entries = 0;
  private live = 0;
  private compacted = 0;
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
    return this.table.bufferBytes + this.tenantOf.length * 28;
  }

  add(tenant: string, subject: Subject, rule: string, startsAt: number, expiresAt: number): void {
    const h = hash64(tenant, subject.kind, subject.value);
    this.append(h.hi, h.lo, intern(tenant, this.tenants, this.tenantIndex), intern(rule, this.rules, this.ruleIndex), startsAt, expiresAt);
  }

  /** Hands the subject's blocks to `each` in restore order (a part trimmed is GONE) and forgets them; false if it had none. */
  take(tenant: string, subject: Subject, each: (rule: string, startsAt: number, expiresAt: number) => void): boolean {
    if (this.live === 0) return false;
    const h = hash64(tenant, subject.kind, subject.value);
    const slot = this.table.find(h.hi, h.lo);
    if (slot < 0) return false;
    let taken = false;
    for (let entry = (this.table.values[0] as Uint32Array)[slot] as number; entry !== NONE; entry = this.next[entry] as number) {
      const rule = this.ruleOf[entry] as number;
      if (rule === DEAD) continue;
      this.ruleOf[entry] = DEAD;
      this.live--;
      taken = true;
      each(this.rules[rule] as string, this.startsAt[entry] as number, this.expiresAt[entry] as number);
    }
    this.table.remove(slot);
    if (this.live === 0) this.clear();
    return taken;
  }

  /**
   * Forgets what EpisodeBook.trim forgets of a block it re-learnt, part by part, each once for good (a tenant's
   * horizon may move back: its first CDR after a rebuild replaces the watermark it borrowed): the quiet it gives its
   * rule once it expired before its tenant's horizon, its count for escalation once it started `withinMs` before.
   */
  trim(horizonOf: (tenant: string) => number, withinMs: number): void {
    if (this.live === 0) return;
    const horizons = this.tenants.map(horizonOf);
    for (let entry = 0; entry < this.entries; entry++) {
      if (this.ruleOf[entry] === DEAD) continue;
      const horizon = horizons[this.tenantOf[entry] as number] as number;
      if ((this.expiresAt[entry] as number) < horizon) this.expiresAt[entry] = GONE;
      if ((this.startsAt[entry] as number) <= horizon - withinMs) this.startsAt[entry] = GONE;
      if (this.expiresAt[entry] === GONE && this.startsAt[entry] === GONE) {
        this.ruleOf[entry] = DEAD;
        this.live--;
      }
    }
    if (this.live === 0) this.clear();
    else if (this.live * 8 < this.entries && this.entries > MIN_SLOTS) this.compact();
  }

  /** Times the entries were compacted (for tests). */
  get compactions(): number {
    return this.compacted;
  }

  /**
   * Re-appends the live entries, subject by subject in restore order, to arrays sized for them, and drops the
   * subjects left with none, once fewer than an eighth of the entries live: taken and trimmed entries are then
   * neither scanned by every later trim nor held until the last block goes. 100k left of 1M: one copy of 40-50 ms,
   * then a trim 0.36 ms instead of 3.5 and 11.5 MB instead of 63 (the copy is random access, so not done more often).
   */
  private compact(): void {
    const { table, tenantOf, ruleOf, startsAt, expiresAt, next, live } = this;
    this.reset(live * 2, Math.min(table.size, live) * 2 + 1); // the table under half full: it never grows meanwhile
    const first = table.values[0] as Uint32Array;
    table.forEach((slot, hi, lo) => {
      for (let entry = first[slot] as number; entry !== NONE; entry = next[entry] as number)
        if (ruleOf[entry] !== DEAD)
          this.append(hi, lo, tenantOf[entry] as number, ruleOf[entry] as number, startsAt[entry] as number, expiresAt[entry] as number);
    });
    this.compacted++;
  }

  /** Adds an entry at the end of its subject's chain (the subject's first one when it has none). */
  private append(hi: number, lo: number, tenant: number, rule: number, startsAt: number, expiresAt: number): void {
    if (this.entries === this.tenantOf.length) this.growEntries();
    const entry = this.entries++;
    this.tenantOf[entry] = tenant;
    this.ruleOf[entry] = rule;
    this.startsAt[entry] = startsAt;
    this.expiresAt[entry] = expiresAt;
    this.next[entry] = NONE;
    this.live++;
    const slot = this.table.find(hi, lo);
    if (slot < 0) {
      this.table.add(slot, hi, lo, entry, entry); // the subject's first and last entry
      return;
    }
    const last = this.table.values[1] as Uint32Array;
    this.next[last[slot] as number] = entry;
    last[slot] = entry;
  }

  private clear(): void {
    this.reset(MIN_SLOTS, MIN_SLOTS);
  }

  /** Empty arrays for at least `entries` entries and a table of at least `slots` slots (powers of two). */
  private reset(entries: number, slots: number): void {
    const size = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(MIN_SLOTS, n)));
    this.table = new HashSlots(2, size(slots));
    const length = size(entries);
    this.tenantOf = new Int32Array(length);
    this.ruleOf = new Int32Array(length);
    this.startsAt = new Float64Array(length);
    this.expiresAt = new Float64Array(length);
    this.next = new Int32Array(length);
    this.entries = 0;
    this.live = 0;
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
