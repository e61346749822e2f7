/**
 * A destination range a tenant should treat as hot until `expiresAt` (F4, G4): marked by a rule with `hotRange`
 * (an IRSF test call, a Wangiri range) or given to the engine (`Engine.addHotRanges`: the hotlists work turns a
 * confirmed alert into one). `prefix` is E.164 digits, with or without the +.
 */
export interface HotRange {
  readonly tenant: string;
  readonly prefix: string;
  /** Why the range is hot: an alert id, a CDR id, a list name, an operator's confirmation… (shown in alert details). */
  readonly source: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** The rule that marked it; absent for ranges given to the engine (match `hot: [given]`). */
  readonly rule?: string;
}

/** The name rules use (`match.hot`) for ranges given to the engine rather than marked by a rule. */
export const GIVEN = 'given';

const NONE: readonly HotRange[] = Object.freeze([]);
/** Per tenant: beyond this, the range expiring first is forgotten (memory stays bounded whatever is given). */
export const MAX_HOT_PER_TENANT = 4096;

interface TenantRanges {
  /** Digits (no +) → entries of different rules or sources for that prefix. */
  readonly byPrefix: Map<string, HotRange[]>;
  /** Prefix lengths present, longest first. */
  lengths: number[];
  count: number;
}

/** Hot ranges per tenant with expiry: a longest-prefix lookup per call, nothing held past `expiresAt`. */
export class HotRanges {
  private readonly tenants = new Map<string, TenantRanges>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  /** Adds or renews a range (the same tenant, prefix and rule or source keeps the later expiry). */
  add(r: HotRange): void {
    const digits = r.prefix.replace(/^\+/, '');
    if (!/^\d{1,15}$/.test(digits)) return;
    let t = this.tenants.get(r.tenant);
    if (!t) this.tenants.set(r.tenant, (t = { byPrefix: new Map(), lengths: [], count: 0 }));
    const entry: HotRange = { ...r, prefix: `+${digits}` };
    const list = t.byPrefix.get(digits);
    const same = list?.findIndex((x) => (x.rule ?? x.source) === (r.rule ?? r.source)) ?? -1;
    if (list && same >= 0) {
      if ((list[same] as HotRange).expiresAt < r.expiresAt) list[same] = entry;
      return;
    }
    if (list) list.push(entry);
    else {
      t.byPrefix.set(digits, [entry]);
      if (!t.lengths.includes(digits.length)) t.lengths = [...t.lengths, digits.length].sort((a, b) => b - a);
    }
    t.count++;
    this.total++;
    if (t.count > MAX_HOT_PER_TENANT) this.dropFirstExpiring(t);
  }

  /** The tenant's unexpired hot ranges holding `e164` (`+2917…`), longest prefix first; a shared empty array when none. */
  lookup(tenant: string, e164: string, at: number): readonly HotRange[] {
    const t = this.tenants.get(tenant);
    if (!t) return NONE;
    let found: HotRange[] | undefined;
    for (const n of t.lengths) {
      if (n >= e164.length) continue;
      const list = t.byPrefix.get(e164.slice(1, n + 1));
      if (!list) continue;
      for (const r of list) if (r.expiresAt > at) (found ??= []).push(r);
    }
    return found ?? NONE;
  }

  /** Unexpired ranges, optionally of one tenant (listing; a scan). */
  *active(at: number, tenant?: string): Generator<HotRange> {
    for (const [name, t] of this.tenants) {
      if (tenant !== undefined && name !== tenant) continue;
      for (const list of t.byPrefix.values()) for (const r of list) if (r.expiresAt > at) yield r;
    }
  }

  /** Forgets ranges expired before each tenant's horizon. */
  trim(horizonOf: (tenant: string) => number): void {
    for (const [name, t] of this.tenants) {
      const horizon = horizonOf(name);
      for (const [digits, list] of t.byPrefix) {
        const kept = list.filter((r) => r.expiresAt > horizon);
        if (kept.length === list.length) continue;
        this.forget(t, list.length - kept.length);
        if (kept.length === 0) t.byPrefix.delete(digits);
        else t.byPrefix.set(digits, kept);
      }
      if (t.count === 0) this.tenants.delete(name);
      else t.lengths = [...new Set([...t.byPrefix.keys()].map((d) => d.length))].sort((a, b) => b - a);
    }
  }

  private dropFirstExpiring(t: TenantRanges): void {
    let first: { digits: string; index: number; at: number } | undefined;
    for (const [digits, list] of t.byPrefix) {
      list.forEach((r, index) => {
        if (!first || r.expiresAt < first.at) first = { digits, index, at: r.expiresAt };
      });
    }
    if (!first) return;
    const list = t.byPrefix.get(first.digits) as HotRange[];
    list.splice(first.index, 1);
    if (list.length === 0) t.byPrefix.delete(first.digits);
    this.forget(t, 1);
  }

  private forget(t: TenantRanges, n: number): void {
    t.count -= n;
    this.total -= n;
  }
}
