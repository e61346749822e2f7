/**
 * Remembers which calls the engine has counted, so a re-delivered CDR (Kafka at-least-once, a restarted
 * processor, an exporter that retries) or a second leg of the same call is never counted twice. Entries are
 * forgotten once older than the horizon the engine still accepts (a CDR that old is refused as too late anyway).
 */
export type Seen = 'new' | 'duplicate' | 'leg';

export class CallDedup {
  /** Per tenant, callId (else id) → id of the leg that was counted: keyed by the CDR's own string, none built per call. */
  private readonly tenants = new Map<string, Map<string, string>>();
  /** Recorded calls in insertion order: tenant, call key and event time of each. */
  private tenantOf: string[] = [];
  private callOf: string[] = [];
  private times: number[] = [];
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Records the CDR and says whether it is new, the same CDR again, or another leg of a counted call. */
  see(tenant: string, id: string, callId: string | undefined, t: number): Seen {
    let calls = this.tenants.get(tenant);
    if (calls === undefined) this.tenants.set(tenant, (calls = new Map<string, string>()));
    const call = callId ?? id;
    const counted = calls.get(call);
    if (counted !== undefined) return counted === id ? 'duplicate' : 'leg';
    calls.set(call, id);
    this.count++;
    this.tenantOf.push(tenant);
    this.callOf.push(call);
    this.times.push(t);
    return 'new';
  }

  /** Forgets calls recorded with an event time before their tenant's horizon (insertion order; late entries go later). */
  trim(horizonOf: (tenant: string) => number): void {
    while (this.head < this.times.length && (this.times[this.head] as number) < horizonOf(this.tenantOf[this.head] as string)) {
      this.tenants.get(this.tenantOf[this.head] as string)?.delete(this.callOf[this.head] as string);
      this.count--;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.tenantOf = this.tenantOf.slice(this.head);
      this.callOf = this.callOf.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
