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
  private readonly bySubject = new Map<string, Block[]>();
  /** Destination-prefix lengths present (with the +), so a lookup tries only those. */
  private readonly prefixLengths = new Map<number, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds, replaces or removes (lifted, expired) a block; true when the table changed. */
  apply(r: Block, now: number): boolean {
    const key = keyOf(r.tenant, r.subject);
    const list = this.bySubject.get(key);
    const at = list ? list.findIndex((x) => x.id === r.id) : -1;
    if (r.state === 'lifted' || r.expiresAt <= now) {
      if (!list || at < 0) return false;
      this.remove(key, list, at);
      return true;
    }
    if (list && at >= 0) {
      list[at] = r;
      return true;
    }
    if (list) list.push(r);
    else this.bySubject.set(key, [r]);
    this.count++;
    if (r.subject.kind === 'destPrefix') this.prefixLengths.set(r.subject.value.length, (this.prefixLengths.get(r.subject.value.length) ?? 0) + 1);
    return true;
  }

  /** The active blocks that apply to this call attempt. */
  lookup(q: Lookup, now: number): Block[] {
    const hits: Block[] = [];
    const take = (kind: KeyKind, value: string) => {
      if (q.exempt.has(kind)) return;
      const list = this.bySubject.get(`${q.tenant}\u0000${kind}\u0000${value}`);
      if (!list) return;
      for (const r of list) if (r.expiresAt > now && r.startsAt <= now && (r.scope === 'all' || q.international)) hits.push(r);
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
    for (const list of this.bySubject.values()) {
      for (const r of list) if (r.expiresAt > now && (tenant === undefined || r.tenant === tenant)) yield r;
    }
  }

  /** Drops expired blocks; returns how many. */
  sweep(now: number): number {
    let dropped = 0;
    for (const [key, list] of this.bySubject) {
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
    this.count--;
    if (gone?.subject.kind === 'destPrefix') {
      const length = gone.subject.value.length;
      const n = (this.prefixLengths.get(length) ?? 1) - 1;
      if (n === 0) this.prefixLengths.delete(length);
      else this.prefixLengths.set(length, n);
    }
  }
}

const keyOf = (tenant: string, s: Subject): string => `${tenant}\u0000${s.kind}\u0000${s.value}`;
