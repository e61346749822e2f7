import type { KeyKind } from '../rules/spec.js';
import type { Subject } from '../engine/verdicts.js';
import type { Block } from './block.js';

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

/**
 * Active blocks in memory, indexed by tenant, subject kind and value: a block-check is a handful of map reads.
 * Pure: the feed (Kafka, ClickHouse bootstrap, the embedded pipeline) applies records, `now` comes in.
 * Every state of a block carries its subject, so lifting needs no second index by id.
 */
export class BlockTable {
  /** One block per subject is the rule, so a lone block is held as it is; an array only when a subject has several. */
  private readonly bySubject = new Map<string, Block | Block[]>();
  /** Destination-prefix lengths present (with the +), so a lookup tries only those. */
  private readonly prefixLengths = new Map<number, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds, replaces or removes (lifted, expired) a block; true when the table changed. */
  apply(r: Block, now: number): boolean {
    const key = keyOf(r.tenant, r.subject);
    const list = listOf(this.bySubject.get(key));
    const at = list.findIndex((x) => x.id === r.id);
    if (r.state === 'lifted' || r.expiresAt <= now) {
      if (at < 0) return false;
      this.remove(key, list, at);
      return true;
    }
    if (at >= 0) list[at] = r;
    else list.push(r);
    this.bySubject.set(key, list.length === 1 ? r : list);
    if (at >= 0) return true;
    this.count++;
    if (r.subject.kind === 'destPrefix') this.prefixLengths.set(r.subject.value.length, (this.prefixLengths.get(r.subject.value.length) ?? 0) + 1);
    return true;
  }

  /** The active blocks that apply to this call attempt. */
  lookup(q: Lookup, now: number): Block[] {
    const hits: Block[] = [];
    const take = (kind: KeyKind, value: string) => {
      if (q.exempt.has(kind)) return;
      const held = this.bySubject.get(`${q.tenant}\u0000${kind}\u0000${value}`);
      if (!held) return;
      if (!Array.isArray(held)) {
        if (applies(held, now, q.international)) hits.push(held);
      } else for (const r of held) if (applies(r, now, q.international)) hits.push(r);
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
    for (const held of this.bySubject.values()) {
      for (const r of listOf(held)) if (r.expiresAt > now && (tenant === undefined || r.tenant === tenant)) yield r;
    }
  }

  /** Drops expired blocks; returns how many. */
  sweep(now: number): number {
    let dropped = 0;
    for (const [key, held] of this.bySubject) {
      if (!Array.isArray(held) && held.expiresAt > now) continue; // the common case, without an allocation per block
      const list = listOf(held);
      for (let i = list.length - 1; i >= 0; i--) {
        if ((list[i] as Block).expiresAt <= now) {
          this.remove(key, list, i);
          dropped++;
        }
      }
    }
    return dropped;
  }

  private remove(key: string, list: Block[], at: number): void {
    const [gone] = list.splice(at, 1);
    if (list.length === 0) this.bySubject.delete(key);
    else this.bySubject.set(key, list.length === 1 ? (list[0] as Block) : list);
    this.count--;
    if (gone?.subject.kind === 'destPrefix') {
      const length = gone.subject.value.length;
      const n = (this.prefixLengths.get(length) ?? 1) - 1;
      if (n === 0) this.prefixLengths.delete(length);
      else this.prefixLengths.set(length, n);
    }
  }
}

const applies = (r: Block, now: number, international: boolean): boolean => r.expiresAt > now && r.startsAt <= now && (r.scope === 'all' || international);

/** The blocks held for a subject as an array the caller may change (a fresh one for a lone block). */
const listOf = (held: Block | Block[] | undefined): Block[] => (held === undefined ? [] : Array.isArray(held) ? held : [held]);

const keyOf = (tenant: string, s: Subject): string => `${tenant}\u0000${s.kind}\u0000${s.value}`;
