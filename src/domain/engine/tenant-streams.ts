import type { Cdr } from '../cdr/contract.js';

/**
 * Event time per tenant. Each tenant is its own stream (one Kafka partition): lateness and expiry are judged
 * against the tenant's watermark, so results never depend on how partitions interleave.
 */
/** One tenant's stream: its times are number fields updated in place (a map value would be a heap number per CDR). */
interface Stream {
  /** Newest call start. */
  mark: number;
  /** Newest call end: when, in event time, a decision is taken (blocks protect from then on). */
  end: number;
  /** The ids of the counted CDRs that ended at `end` (saved with the usage snapshot). */
  readonly endIds: string[];
}

export class TenantStreams {
  /** Newest event time over all tenants: paces trimming only. */
  watermark = -Infinity;
  /** Per tenant, from its first counted CDR: one lookup per CDR for its times. */
  private readonly streams = new Map<string, Stream>();
  /** Per tenant, the newest call end a restored usage snapshot had learned (a rebuild does not learn it twice). */
  private readonly learnedThrough = new Map<string, { readonly at: number; readonly ids: ReadonlySet<string> }>();
  /** The tenant of the key read last by `ofKey`: a trim reads many keys of one tenant in a row (no slice per key). */
  private keyTenant = '';

  /** The tenant's watermark, or -Infinity before its first CDR. */
  markOf(tenant: string): number {
    return this.streams.get(tenant)?.mark ?? -Infinity;
  }

  /**
   * Counts a new CDR's times (`mark`: the tenant's watermark before it) and returns when its decision is taken:
   * the tenant's newest call end, bounded by the lateness so a clock-skewed end cannot stretch a block further.
   */
  advance(cdr: Cdr, mark: number, lateness: number): number {
    let stream = this.streams.get(cdr.tenant);
    if (stream === undefined) this.streams.set(cdr.tenant, (stream = { mark: -Infinity, end: -Infinity, endIds: [] }));
    const newMark = Math.max(mark, cdr.startedAt);
    stream.mark = newMark;
    this.watermark = Math.max(this.watermark, newMark);
    const ended = stream.end;
    if (cdr.endedAt > ended) {
      stream.end = cdr.endedAt;
      // most CDRs end after the one before: the tenant's list is reused, not a new one each
      stream.endIds.length = 1;
      stream.endIds[0] = cdr.id;
    } else if (cdr.endedAt === ended) stream.endIds.push(cdr.id);
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
    const end = key.indexOf('\u0000');
    const last = this.keyTenant;
    if (end !== last.length || !key.startsWith(last)) this.keyTenant = key.slice(0, end);
    return this.ofTenant(this.keyTenant);
  }

  ofTenant(tenant: string): number {
    return this.streams.get(tenant)?.mark ?? this.watermark;
  }

  /** Newest call end per tenant counted (what a usage snapshot has learned through). */
  throughs(): Map<string, number> {
    return new Map([...this.streams].map(([tenant, s]) => [tenant, s.end]));
  }

  endIdsOf(tenant: string): string[] {
    return [...(this.streams.get(tenant)?.endIds ?? [])];
  }

  restored(tenant: string, through: number, ids: readonly string[]): void {
    this.learnedThrough.set(tenant, { at: through, ids: new Set(ids) });
  }
}
