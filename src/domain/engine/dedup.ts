/**
 * Remembers which calls the engine has counted, so a re-delivered CDR (Kafka at-least-once, a restarted
 * processor, an exporter that retries) or a second leg of the same call is never counted twice. Entries are
 * forgotten once older than the horizon the engine still accepts (a CDR that old is refused as too late anyway).
 */
export type Seen = 'new' | 'duplicate' | 'leg';

export class CallDedup {
  /** tenant NUL callId → id of the leg that was counted. */
  private readonly calls = new Map<string, string>();
  private keys: string[] = [];
  private times: number[] = [];
  private head = 0;

  get size(): number {
    return this.calls.size;
  }

  /** Records the CDR and says whether it is new, the same CDR again, or another leg of a counted call. */
  see(tenant: string, id: string, callId: string | undefined, t: number): Seen {
    const key = `${tenant}\u0000${callId ?? id}`;
    const counted = this.calls.get(key);
    if (counted !== undefined) return counted === id ? 'duplicate' : 'leg';
    this.calls.set(key, id);
    this.keys.push(key);
    this.times.push(t);
    return 'new';
  }

  /** Forgets calls recorded with an event time before `horizon` (insertion order; late entries go later). */
  trim(horizonOf: (key: string) => number): void {
    while (this.head < this.keys.length && (this.times[this.head] as number) < horizonOf(this.keys[this.head] as string)) {
      this.calls.delete(this.keys[this.head] as string);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
