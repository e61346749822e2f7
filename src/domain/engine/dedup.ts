import { fmix, hash32, hash64 } from '../hash.js';
import { HashSlots } from '../hash-slots.js';

/**
 * Remembers which calls the engine has counted, so a re-delivered CDR (Kafka at-least-once, a restarted
 * processor, an exporter that retries) or a second leg of the same call is never counted twice. Entries are
 * forgotten once older than the horizon the engine still accepts (a CDR that old is refused as too late anyway).
 *
 * It holds the allowed lateness of calls (6 h by default: 21.6 million at 1,000 CDRs/s), so it keeps no strings:
 * a call is a 64-bit hash of (tenant, call id) in an open-addressing table of typed arrays, its counted leg a
 * 32-bit hash of the CDR id. 63 bytes per call against 106 with a Map of the CDRs' own strings (bench:engine
 * `--quick`, `dedup_bytes_per_call`; its ids are 12 characters without a call id: real ones cost the map more). Two calls of a tenant share a 64-bit hash once in some 10^12 lookups at 21.6 million
 * held (the later one is then taken for a leg of the first); two legs' ids share 32 bits once in 4·10^9 (a leg is
 * then reported as a duplicate: counted once either way).
 */
export type Seen = 'new' | 'duplicate' | 'leg';

const MIN_SLOTS = 1024;

export class CallDedup {
  // the table: call hash → the counted leg's id hash
  private table: HashSlots;
  // recorded calls in insertion order, a ring: call hash, tenant and event time of each
  private readonly order: Ring;

  /** `minSlots`, a power of two, is the least the table and ring shrink back to (small in tests: probes wrap, tables resize). */
  constructor(private readonly minSlots = MIN_SLOTS) {
    this.table = new HashSlots(1, minSlots);
    this.order = new Ring(minSlots);
  }

  get size(): number {
    return this.table.size;
  }

  /** Bytes of the typed arrays (outside the JS heap): the table and the ring. */
  get bufferBytes(): number {
    return this.table.bufferBytes + this.order.bufferBytes;
  }

  /** Records the CDR and says whether it is new, the same CDR again, or another leg of a counted call. */
  see(tenant: string, id: string, callId: string | undefined, t: number): Seen {
    const h = hash64(tenant, callId ?? id);
    const idHash = fmix(hash32(id)) >>> 0;
    const slot = this.table.find(h.hi, h.lo);
    if (slot >= 0) return (this.table.values[0] as Uint32Array)[slot] === idHash ? 'duplicate' : 'leg';
    this.order.push(h.hi, h.lo, tenant, t);
    this.table.add(slot, h.hi, h.lo, idHash);
    return 'new';
  }

  /** Forgets calls recorded with an event time before their tenant's horizon (insertion order; late entries go later). */
  trim(horizonOf: (tenant: string) => number): void {
    const { order, table } = this;
    while (order.length > 0 && order.headTime() < horizonOf(order.headTenant())) {
      const slot = table.find(order.headHi(), order.headLo());
      if (slot >= 0) table.remove(slot);
      order.shift();
    }
    // a peak's room is given back as the calls it held age out
    if (table.size * 8 < table.capacity && table.capacity > this.minSlots) table.resize(table.capacity / 2);
    if (order.length * 4 < order.capacity && order.capacity > this.minSlots) order.resize(order.capacity / 2);
  }
}

/** The insertion order of recorded calls: a growable ring of typed arrays (and the tenants' shared strings). */
class Ring {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private times: Float64Array;
  private tenants: (string | undefined)[];
  private head = 0;
  length = 0;

  constructor(capacity: number) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.times = new Float64Array(capacity);
    this.tenants = new Array<string | undefined>(capacity);
  }

  get capacity(): number {
    return this.hi.length;
  }

  get bufferBytes(): number {
    return this.hi.byteLength * 2 + this.times.byteLength;
  }

  push(hi: number, lo: number, tenant: string, t: number): void {
    if (this.length === this.hi.length) this.resize(this.hi.length * 2);
    const at = (this.head + this.length) % this.hi.length;
    this.hi[at] = hi;
    this.lo[at] = lo;
    this.tenants[at] = tenant;
    this.times[at] = t;
    this.length++;
  }

  headHi(): number {
    return this.hi[this.head] as number;
  }
  headLo(): number {
    return this.lo[this.head] as number;
  }
  headTime(): number {
    return this.times[this.head] as number;
  }
  headTenant(): string {
    return this.tenants[this.head] as string;
  }

  shift(): void {
    this.tenants[this.head] = undefined;
    this.head = (this.head + 1) % this.hi.length;
    this.length--;
  }

  /** To `capacity` (at least `length`), oldest first from index 0. */
  resize(capacity: number): void {
    const hi = new Uint32Array(capacity);
    const lo = new Uint32Array(capacity);
    const times = new Float64Array(capacity);
    const tenants = new Array<string | undefined>(capacity);
    for (let i = 0; i < this.length; i++) {
      const from = (this.head + i) % this.hi.length;
      hi[i] = this.hi[from] as number;
      lo[i] = this.lo[from] as number;
      times[i] = this.times[from] as number;
      tenants[i] = this.tenants[from];
    }
    this.hi = hi;
    this.lo = lo;
    this.times = times;
    this.tenants = tenants;
    this.head = 0;
  }
}
