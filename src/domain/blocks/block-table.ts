import type { KeyKind } from '../rules/spec.js';
import type { Subject } from '../engine/verdicts.js';
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

/**
 * Active blocks in memory, indexed by tenant, subject kind and value: a block-check is a handful of map reads.
 * Pure: the feed (Kafka, ClickHouse bootstrap, the embedded pipeline) applies records, `now` comes in.
 *
 * Compact (a million blocks in ~150 bytes each, issue 19): one map from the subject's key to a slot; a slot's
 * id, times and interned shape (rule, reason, level, scope, throttle, source, author) sit in columns, and a
 * subject's further blocks chain through `next`. Block objects are made only for a hit or a listing.
 */
export class BlockTable {
  /** tenant \0 kind \0 value → the subject's first slot. */
  private readonly bySubject = new Map<string, number>();
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
  /** Blocks per subject kind, so a lookup skips the kinds no block has (issue 19: each is a map read of a fresh key). */
  private readonly kindCounts = new Map<string, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Distinct shapes held (tests: a shape no block uses is forgotten). */
  get shapeCount(): number {
    return this.shapes.size;
  }

  /** Adds, replaces or removes (lifted, expired) a block; true when the table changed. The entry is copied, never kept. */
  apply(r: Block | BlockEntry, now: number): boolean {
    const key = keyOf(r.tenant, r.subject);
    const head = this.bySubject.get(key) ?? NONE;
    let prev = NONE;
    let at = head;
    while (at !== NONE && this.ids[at] !== r.id) {
      prev = at;
      at = this.next[at] as number;
    }
    if (r.state === 'lifted' || r.expiresAt <= now) {
      if (at === NONE) return false;
      this.unlink(key, prev, at, r.subject);
      return true;
    }
    if (at !== NONE) {
      this.shapes.release(this.shapeOf[at] as number);
      this.fill(at, r);
      return true;
    }
    key.charCodeAt(0); // flattens the concatenated key: a map key held a million times must be one flat string
    const slot = this.allocate();
    this.ids[slot] = r.id;
    this.fill(slot, r);
    // appended: a subject's blocks answer in the order they came
    this.next[slot] = NONE;
    if (prev === NONE) this.bySubject.set(key, slot);
    else this.next[prev] = slot;
    this.count++;
    this.kindCounts.set(r.subject.kind, (this.kindCounts.get(r.subject.kind) ?? 0) + 1);
    if (r.subject.kind === 'destPrefix') this.prefixLengths.set(r.subject.value.length, (this.prefixLengths.get(r.subject.value.length) ?? 0) + 1);
    return true;
  }

  /** The active blocks that apply to this call attempt. */
  lookup(q: Lookup, now: number): Block[] {
    const hits: Block[] = [];
    const take = (kind: KeyKind, value: string) => {
      if (q.exempt.has(kind) || this.kindCounts.get(kind) === undefined) return;
      const key = `${q.tenant}\u0000${kind}\u0000${value}`;
      for (let at = this.bySubject.get(key) ?? NONE; at !== NONE; at = this.next[at] as number) {
        if (this.applies(at, now, q.international)) hits.push(this.block(key, at));
      }
    };
    take('tenant', q.tenant);
    take('caller', q.caller);
    take('account', q.account);
    if (q.ip !== undefined) take('ip', q.ip);
    take('destination', q.callee);
    if (q.calleeE164 !== null && this.prefixLengths.size > 0) {
      const e164 = q.calleeE164;
      for (const length of this.prefixLengths.keys()) if (length < e164.length) take('destPrefix', e164.slice(0, length));
    }
    return hits;
  }

  /** Active blocks, optionally of one tenant (admin listing; a scan, never on the block-check path). */
  *active(now: number, tenant?: string): Generator<Block> {
    const prefix = tenant === undefined ? undefined : `${tenant}\u0000`;
    for (const [key, head] of this.bySubject) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      for (let at = head; at !== NONE; at = this.next[at] as number) if ((this.expires[at] as number) > now) yield this.block(key, at);
    }
  }

  /** Drops expired blocks; returns how many. */
  sweep(now: number): number {
    let dropped = 0;
    for (const [key, head] of this.bySubject) {
      let prev = NONE;
      for (let at = head; at !== NONE;) {
        const following = this.next[at] as number;
        if ((this.expires[at] as number) <= now) {
          this.unlink(key, prev, at, subjectOf(key));
          dropped++;
        } else prev = at;
        at = following;
      }
    }
    return dropped;
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

  /** The block held in a slot, as a Block (tenant and subject read back from its key). */
  private block(key: string, at: number): Block {
    const s = this.shapes.get(this.shapeOf[at] as number);
    const first = key.indexOf('\u0000');
    const second = key.indexOf('\u0000', first + 1);
    return {
      kind: 'block',
      id: this.ids[at] as string,
      tenant: key.slice(0, first),
      rule: s.rule,
      severity: 'critical',
      subject: { kind: key.slice(first + 1, second) as KeyKind, value: key.slice(second + 1) },
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

  private unlink(key: string, prev: number, at: number, subject: Subject): void {
    const following = this.next[at] as number;
    if (prev !== NONE) this.next[prev] = following;
    else if (following === NONE) this.bySubject.delete(key);
    else this.bySubject.set(key, following);
    this.shapes.release(this.shapeOf[at] as number);
    this.ids[at] = undefined;
    this.next[at] = this.freeSlot;
    this.freeSlot = at;
    const left = (this.kindCounts.get(subject.kind) ?? 1) - 1;
    if (left === 0) this.kindCounts.delete(subject.kind);
    else this.kindCounts.set(subject.kind, left);
    this.count--;
    if (subject.kind === 'destPrefix') {
      const length = subject.value.length;
      const n = (this.prefixLengths.get(length) ?? 1) - 1;
      if (n === 0) this.prefixLengths.delete(length);
      else this.prefixLengths.set(length, n);
    }
  }
}

const keyOf = (tenant: string, s: Subject): string => `${tenant}\u0000${s.kind}\u0000${s.value}`;

const subjectOf = (key: string): Subject => {
  const first = key.indexOf('\u0000');
  const second = key.indexOf('\u0000', first + 1);
  return { kind: key.slice(first + 1, second) as KeyKind, value: key.slice(second + 1) };
};
