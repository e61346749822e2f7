import type { KeyKind } from '../rules/spec.js';
import { NO_EVIDENCE, type Block } from './block.js';
import { ShapePool, type ShapeFields } from './block-shapes.js';

/** What a block-check asks about: the subjects of one call attempt. */
export interface Lookup {
  readonly tenant: string;
  readonly caller: string;
  readonly account: string;
  readonly ip: string | undefined;
  /** Callee as E.164 or as dialled; destination-prefix blocks (+2917) match the start of calleeE164. */
  readonly callee: string;
  readonly calleeE164: string | null;
  readonly international: boolean;
  /** Subject kinds not to look at (allow-listed: G4). */
  readonly exempt: ReadonlySet<KeyKind>;
}

/** What the table keeps of a block: a Block, or one reused object a bootstrap parser fills row by row. */
export type BlockEntry = ShapeFields & Pick<Block, 'id' | 'tenant' | 'subject' | 'startsAt' | 'expiresAt' | 'state'>;

/** A Block of its own from an entry (a reader reuses its entry): evidence is not stored with blocks. */
export const blockOfEntry = (e: BlockEntry): Block => ({
  kind: 'block',
  severity: 'critical',
  evidence: NO_EVIDENCE,
  ...e,
  subject: { ...e.subject },
  ...(e.throttle ? { throttle: { ...e.throttle } } : {}),
});

const NONE = -1;
const NO_HITS: readonly Block[] = Object.freeze([]);

/** A tenant's subjects: kind → value → the subject's first slot. */
type BySubject = Map<KeyKind, Map<string, number>>;

/**
 * Active blocks in memory, indexed by tenant, subject kind and value: a block-check is a handful of map reads.
 * Pure: the feed (Kafka, ClickHouse bootstrap, the embedded pipeline) applies records, `now` comes in.
 *
 * Compact (a million blocks in ~150 bytes each, issue 19): one map per tenant and kind from the subject's value to
 * a slot; a slot's id, times and interned shape (rule, reason, level, scope, throttle, source, author) sit in
 * columns, and a subject's further blocks chain through `next`. Block objects are made only for a hit or a listing.
 * Maps per tenant and kind, not one map of `tenant kind value` keys: no key is built for a write or a lookup, and a
 * bootstrap (in the store's order: tenant, kind, value) fills one small map at a time, its probes in the CPU's cache
 * (the table's share of a 1M-block load about halved, issue 19). The maps' fill, so memory, varies with their sizes.
 */
export class BlockTable {
  private readonly bySubject = new Map<string, BySubject>();
  private readonly ids: (string | undefined)[] = [];
  private starts = new Float64Array(1024);
  private expires = new Float64Array(1024);
  private shapeOf = new Uint32Array(1024);
  /** The subject's next slot, or the next free slot of a freed one; NONE ends a chain. */
  private next = new Int32Array(1024);
  private freeSlot = NONE;
  private readonly shapes = new ShapePool();
  /** Destination-prefix lengths present (with the +), so a lookup tries only those. */
  private readonly prefixLengths = new Map<number, number>();
  private count = 0;
  /** The sweep under way (see sweep): where it is, its time and what it dropped in this call. */
  private sweeper: Generator<void, void, void> | undefined;
  private sweepAt = 0;
  private swept = 0;

  get size(): number {
    return this.count;
  }

  /** Distinct shapes held (tests: a shape no block uses is forgotten). */
  get shapeCount(): number {
    return this.shapes.size;
  }

  /** Adds, replaces or removes (lifted, expired) a block; true when the table changed. The entry is copied, never kept. */
  apply(r: Block | BlockEntry, now: number): boolean {
    const { kind, value } = r.subject;
    const values = this.bySubject.get(r.tenant)?.get(kind);
    let prev = NONE;
    let at = values?.get(value) ?? NONE;
    while (at !== NONE && this.ids[at] !== r.id) {
      prev = at;
      at = this.next[at] as number;
    }
    if (r.state === 'lifted' || r.expiresAt <= now) {
      if (at === NONE) return false;
      this.unlink(r.tenant, kind, value, prev, at);
      return true;
    }
    if (at !== NONE) {
      this.shapes.release(this.shapeOf[at] as number);
      this.fill(at, r);
      return true;
    }
    const slot = this.allocate();
    this.ids[slot] = r.id;
    this.fill(slot, r);
    // appended: a subject's blocks answer in the order they came
    this.next[slot] = NONE;
    if (prev !== NONE) this.next[prev] = slot;
    else {
      value.charCodeAt(0); // flattens a concatenated value: a map key held a million times must be one flat string
      (values ?? this.valuesOf(r.tenant, kind)).set(value, slot);
    }
    this.count++;
    if (kind === 'destPrefix') this.prefixLengths.set(value.length, (this.prefixLengths.get(value.length) ?? 0) + 1);
    return true;
  }

  /** The active blocks that apply to this call attempt (NO_HITS, shared, when none: most checks). */
  lookup(q: Lookup, now: number): readonly Block[] {
    const byKind = this.bySubject.get(q.tenant);
    if (byKind === undefined) return NO_HITS;
    let hits = this.take(q, now, byKind, 'tenant', q.tenant, undefined);
    hits = this.take(q, now, byKind, 'caller', q.caller, hits);
    hits = this.take(q, now, byKind, 'account', q.account, hits);
    if (q.ip !== undefined) hits = this.take(q, now, byKind, 'ip', q.ip, hits);
    hits = this.take(q, now, byKind, 'destination', q.callee, hits);
    if (q.calleeE164 !== null && this.prefixLengths.size > 0 && byKind.has('destPrefix')) {
      const e164 = q.calleeE164;
      for (const length of this.prefixLengths.keys()) if (length < e164.length) hits = this.take(q, now, byKind, 'destPrefix', e164.slice(0, length), hits);
    }
    return hits ?? NO_HITS;
  }

  /**
   * Adds the blocks of one subject that apply to `hits` (created at the first: no array per check without one). A
   * kind no block of the tenant has is skipped (issue 19: each was a map read of a fresh key).
   */
  private take(q: Lookup, now: number, byKind: BySubject, kind: KeyKind, value: string, hits: Block[] | undefined): Block[] | undefined {
    const values = q.exempt.has(kind) ? undefined : byKind.get(kind);
    if (values === undefined) return hits;
    for (let at = values.get(value) ?? NONE; at !== NONE; at = this.next[at] as number) {
      if (this.applies(at, now, q.international)) (hits ??= []).push(this.block(q.tenant, kind, value, at));
    }
    return hits;
  }

  /** Active blocks, optionally of one tenant (admin listing; a scan, never on the block-check path). */
  *active(now: number, tenant?: string): Generator<Block> {
    for (const [t, byKind] of this.bySubject) {
      if (tenant !== undefined && t !== tenant) continue;
      for (const [kind, values] of byKind)
        for (const [value, head] of values)
          for (let at = head; at !== NONE; at = this.next[at] as number) if ((this.expires[at] as number) > now) yield this.block(t, kind, value, at);
    }
  }

  /**
   * Drops expired blocks, looking at up to `budget` subjects (a pass resumes where the last call left it, and
   * starts again once done); returns how many. Lookups skip expired blocks anyway: this only frees their memory, so
   * the API sweeps a slice often instead of a million blocks at once (a 20-40 ms stall of block-checks, issue 19).
   */
  sweep(now: number, budget = Infinity): number {
    this.sweepAt = now;
    this.swept = 0;
    // an unbounded sweep is a whole pass at `now` (one under way looked at some subjects with an earlier time)
    if (budget === Infinity || this.sweeper === undefined) this.sweeper = this.sweepPass();
    for (let n = 0; n < budget; n++) {
      if (this.sweeper.next().done === true) {
        this.sweeper = undefined;
        break;
      }
    }
    return this.swept;
  }

  /** One pass over every subject, a subject per step (entries deleted while a Map is iterated are skipped). */
  private *sweepPass(): Generator<void, void, void> {
    for (const [tenant, byKind] of this.bySubject)
      for (const [kind, values] of byKind)
        for (const [value, head] of values) {
          let prev = NONE;
          for (let at = head; at !== NONE;) {
            const following = this.next[at] as number;
            if ((this.expires[at] as number) <= this.sweepAt) {
              this.unlink(tenant, kind, value, prev, at);
              this.swept++;
            } else prev = at;
            at = following;
          }
          yield;
        }
  }

  private applies(at: number, now: number, international: boolean): boolean {
    return (
      (this.expires[at] as number) > now && (this.starts[at] as number) <= now && (international || this.shapes.get(this.shapeOf[at] as number).scope === 'all')
    );
  }

  private fill(slot: number, r: BlockEntry): void {
    this.starts[slot] = r.startsAt;
    this.expires[slot] = r.expiresAt;
    this.shapeOf[slot] = this.shapes.take(r);
  }

  /** The block held in a slot, as a Block. */
  private block(tenant: string, kind: KeyKind, value: string, at: number): Block {
    const s = this.shapes.get(this.shapeOf[at] as number);
    return {
      kind: 'block',
      id: this.ids[at] as string,
      tenant,
      rule: s.rule,
      severity: 'critical',
      subject: { kind, value },
      reason: s.reason,
      level: s.level,
      scope: s.scope,
      ...(s.throttle === undefined ? {} : { throttle: s.throttle }),
      startsAt: this.starts[at] as number,
      expiresAt: this.expires[at] as number,
      evidence: NO_EVIDENCE,
      source: s.source,
      createdBy: s.createdBy,
      state: 'active',
    };
  }

  private valuesOf(tenant: string, kind: KeyKind): Map<string, number> {
    let byKind = this.bySubject.get(tenant);
    if (byKind === undefined) {
      byKind = new Map<KeyKind, Map<string, number>>();
      this.bySubject.set(tenant, byKind);
    }
    let values = byKind.get(kind);
    if (values === undefined) {
      values = new Map<string, number>();
      byKind.set(kind, values);
    }
    return values;
  }

  private allocate(): number {
    if (this.freeSlot !== NONE) {
      const slot = this.freeSlot;
      this.freeSlot = this.next[slot] as number;
      return slot;
    }
    const slot = this.ids.length;
    if (slot === this.next.length) {
      const grow = <T extends Float64Array | Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts, (n) => new Float64Array(n));
      this.expires = grow(this.expires, (n) => new Float64Array(n));
      this.shapeOf = grow(this.shapeOf, (n) => new Uint32Array(n));
      this.next = grow(this.next, (n) => new Int32Array(n));
    }
    this.ids.push(undefined);
    return slot;
  }

  /** Takes a slot out of its subject's chain; a subject, kind or tenant left with no block is forgotten. */
  private unlink(tenant: string, kind: KeyKind, value: string, prev: number, at: number): void {
    const following = this.next[at] as number;
    if (prev !== NONE) this.next[prev] = following;
    else {
      const byKind = this.bySubject.get(tenant) as BySubject;
      const values = byKind.get(kind) as Map<string, number>;
      if (following !== NONE) values.set(value, following);
      else if (values.delete(value) && values.size === 0 && byKind.delete(kind) && byKind.size === 0) this.bySubject.delete(tenant);
    }
    this.shapes.release(this.shapeOf[at] as number);
    this.ids[at] = undefined;
    this.next[at] = this.freeSlot;
    this.freeSlot = at;
    this.count--;
    if (kind === 'destPrefix') {
      const n = (this.prefixLengths.get(value.length) ?? 1) - 1;
      if (n === 0) this.prefixLengths.delete(value.length);
      else this.prefixLengths.set(value.length, n);
    }
  }
}
