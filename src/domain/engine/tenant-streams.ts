import type { Cdr } from '../cdr/contract.js';

/**
 * Event time per tenant. Each tenant is its own stream (one Kafka partition): lateness and expiry are judged
 * against the tenant's watermark, so results never depend on how partitions interleave.
 */
export class TenantStreams {
  /** Newest event time over all tenants: paces trimming only. */
  watermark = -Infinity;
  /** Newest call start per tenant. */
  private readonly marks = new Map<string, number>();
  /** Newest call end per tenant: when, in event time, a decision is taken (blocks protect from then on). */
  private readonly ends = new Map<string, number>();
  /** Per tenant, the ids of the counted CDRs that ended at its newest call end (saved with the usage snapshot). */
  private readonly endIds = new Map<string, string[]>();
  /** Per tenant, the newest call end a restored usage snapshot had learned (a rebuild does not learn it twice). */
  private readonly learnedThrough = new Map<string, { readonly at: number; readonly ids: ReadonlySet<string> }>();

  /** The tenant's watermark, or -Infinity before its first CDR. */
  markOf(tenant: string): number {
    return this.marks.get(tenant) ?? -Infinity;
  }

  /**
   * Counts a new CDR's times (`mark`: the tenant's watermark before it) and returns when its decision is taken:
   * the tenant's newest call end, bounded by the lateness so a clock-skewed end cannot stretch a block further.
   */
  advance(cdr: Cdr, mark: number, lateness: number): number {
    const newMark = Math.max(mark, cdr.startedAt);
    if (newMark !== mark) this.marks.set(cdr.tenant, newMark);
    this.watermark = Math.max(this.watermark, newMark);
    const ended = this.ends.get(cdr.tenant) ?? -Infinity;
    if (cdr.endedAt > ended) {
      this.ends.set(cdr.tenant, cdr.endedAt);
      // most CDRs end after the one before: the tenant's list is reused, not a new one each
      const ids = this.endIds.get(cdr.tenant);
      if (ids === undefined) this.endIds.set(cdr.tenant, [cdr.id]);
      else {
        ids.length = 1;
        ids[0] = cdr.id;
      }
    } else if (cdr.endedAt === ended) this.endIds.get(cdr.tenant)?.push(cdr.id);
    return Math.min(Math.max(ended, cdr.endedAt), newMark + lateness);
  }

  /** Whether a restored usage snapshot had not yet learned this CDR (a rebuild replays what it had). */
  fresh(cdr: Cdr): boolean {
    const through = this.learnedThrough.get(cdr.tenant);
    // a CDR ending exactly when the snapshot was taken may have arrived after it: its id says
    return through === undefined || cdr.endedAt > through.at || (cdr.endedAt === through.at && !through.ids.has(cdr.id));
  }

  /** The watermark of a key's tenant (`tenant NUL …`); a tenant never counted (a restored profile of another partition) ages with the newest event seen. */
  ofKey(key: string): number {
    return this.marks.get(key.slice(0, key.indexOf('\u0000'))) ?? this.watermark;
  }

  ofTenant(tenant: string): number {
    return this.marks.get(tenant) ?? this.watermark;
  }

  /** Newest call end per tenant counted (what a usage snapshot has learned through). */
  throughs(): Map<string, number> {
    return new Map([...this.marks.keys()].map((tenant) => [tenant, this.ends.get(tenant) ?? -Infinity]));
  }

  endIdsOf(tenant: string): string[] {
    return [...(this.endIds.get(tenant) ?? [])];
  }

  restored(tenant: string, through: number, ids: readonly string[]): void {
    this.learnedThrough.set(tenant, { at: through, ids: new Set(ids) });
  }
}
