import type { CompiledRule } from '../../rules/compile.js';
import { formatDuration } from '../../rules/duration.js';
import type { CallEvent } from '../event.js';
import { round2 } from '../../round.js';
import { hash30 } from '../../hash.js';
import { MAX_EVIDENCE, type Detector, type HorizonOf, type Observation } from './detector.js';

/** Buckets per window: a 5 min window sums 10 s buckets, a 60 min one 2 min buckets. */
const BUCKETS = 30;
/** Trimmed rings kept for reuse, at most (a key's comes back within the window; a flood of keys is not kept). */
const MAX_SPARE = 4096;
/** Calls remembered per key for evidence (the dearest are what an analyst looks at first; the newest suffice here). */
const EVIDENCE = 20;

/** One key's money in the window ending at its newest bucket: cost, the estimated part of it, and calls, per bucket. */
interface Exposure {
  /** [cost × BUCKETS, estimated × BUCKETS, calls × BUCKETS] */
  readonly buckets: Float64Array;
  /** Newest bucket number (call end / bucket length). */
  head: number;
  total: number;
  estimated: number;
  calls: number;
  /** Ring of the newest calls: [end, seq] pairs, or [end, seq, callee hash] with `minDistinct`. */
  readonly recent: Float64Array;
  next: number;
}

/**
 * Money spent per key within a sliding window (issue 16 cost exposure, F2 G3): the CDR's cost, else the rate
 * table's estimate, counted at the call's END, when the money is spent and known. CDRs arrive by call end, so the
 * window moves with the stream in O(1) per call: a ring of buckets per key (windows are exact to a bucket,
 * window/30). A CDR ending before the key's current window (an exporter's outage flush) is not in it: it counts
 * toward the daily cost and money caps, not toward this window.
 */
export class ExposureDetector implements Detector {
  private readonly keys = new Map<string, Exposure>();
  /** Rings of keys trimmed, reused for new keys: two typed arrays per key are costly to allocate and collect. */
  private readonly spare: Exposure[] = [];
  private readonly bucketMs: number;
  private current: Exposure | undefined;
  private at = 0;
  /** Reused for every call: valid until the next observe. */
  private readonly seen: Observation;
  /** Distinct numbers the window must hold before the rule may fire (1: any). */
  private readonly minDistinct: number;
  /** Numbers per remembered call: 2 ([end, seq]), or 3 with the callee's hash to count distinct numbers. */
  private readonly stride: number;

  constructor(readonly rule: CompiledRule) {
    this.bucketMs = Math.max(1, Math.ceil(rule.windowMs / BUCKETS));
    this.minDistinct = rule.measure.kind === 'sum' ? (rule.measure.minDistinct ?? 1) : 1;
    this.stride = this.minDistinct > 1 ? 3 : 2;
    this.seen = {
      value: 0,
      reachedAt: () => this.at,
      evidence: () => this.evidence(),
      details: () => {
        const x = this.current as Exposure;
        return {
          cost: round2(x.total),
          estimatedCost: round2(x.estimated),
          calls: x.calls,
          ...(this.minDistinct > 1 ? { numbers: this.distinct(x, this.minDistinct + EVIDENCE) } : {}),
          window: formatDuration(rule.windowMs),
          from: new Date((x.head - BUCKETS + 1) * this.bucketMs).toISOString(),
          to: new Date((x.head + 1) * this.bucketMs).toISOString(),
        };
      },
    };
  }

  get keyCount(): number {
    return this.keys.size;
  }

  observe(event: CallEvent, key: string): Observation | null {
    const cost = event.cost ?? 0;
    if (!(cost > 0)) return null; // unanswered and free calls expose nothing
    const b = Math.floor(event.end / this.bucketMs);
    let x = this.keys.get(key);
    if (!x) {
      x = this.spare.pop() ?? {
        buckets: new Float64Array(3 * BUCKETS),
        head: 0,
        total: 0,
        estimated: 0,
        calls: 0,
        recent: new Float64Array(this.stride * EVIDENCE),
        next: 0,
      };
      reset(x, b);
      this.keys.set(key, x);
    } else if (b > x.head) advance(x, b);
    if (b <= x.head - BUCKETS) return null; // ended before this key's window
    const i = b % BUCKETS;
    const buckets = x.buckets;
    buckets[i] = (buckets[i] as number) + cost;
    x.total += cost;
    if (event.costEstimated) {
      buckets[BUCKETS + i] = (buckets[BUCKETS + i] as number) + cost;
      x.estimated += cost;
    }
    buckets[2 * BUCKETS + i] = (buckets[2 * BUCKETS + i] as number) + 1;
    x.calls++;
    const r = this.stride * x.next;
    x.recent[r] = event.end;
    x.recent[r + 1] = event.seq;
    if (this.stride === 3) x.recent[r + 2] = hash30(event.calleeText);
    x.next = (x.next + 1) % EVIDENCE;
    this.current = x;
    this.at = event.end;
    if (this.minDistinct > 1 && this.distinct(x, this.minDistinct) < this.minDistinct) return null;
    this.seen.value = x.total;
    return this.seen;
  }

  trim(horizonOf: HorizonOf): void {
    this.current = undefined;
    const latest = horizonOf.latest ?? Infinity;
    // forEach, not for…of (no array per key); a ring whose window reaches `latest` is kept without its key's horizon
    this.keys.forEach((x, key, keys) => {
      const end = (x.head + 1) * this.bucketMs;
      if (end >= latest || end >= horizonOf(key)) return;
      keys.delete(key);
      if (this.spare.length < MAX_SPARE) this.spare.push(x);
    });
  }

  /** The remembered calls still in the window, oldest first. */
  private evidence(): number[] {
    const x = this.current as Exposure;
    const from = (x.head - BUCKETS + 1) * this.bucketMs;
    const out: number[] = [];
    for (let k = 0; k < EVIDENCE && out.length < MAX_EVIDENCE; k++) {
      const j = this.stride * ((x.next + k) % EVIDENCE);
      if ((x.recent[j] as number) >= from) out.push(x.recent[j + 1] as number);
    }
    return out;
  }

  /**
   * Distinct numbers among the remembered calls still in the window, counted up to `enough` (O(EVIDENCE²) at
   * worst, on the few calls of a `minDistinct` rule; no allocation).
   */
  private distinct(x: Exposure, enough: number): number {
    const from = (x.head - BUCKETS + 1) * this.bucketMs;
    const recent = x.recent;
    let n = 0;
    for (let a = 0; a < EVIDENCE && n < enough; a++) {
      const i = 3 * a;
      if ((recent[i] as number) < from) continue;
      let repeat = false;
      for (let b = 0; b < a && !repeat; b++) repeat = (recent[3 * b] as number) >= from && recent[3 * b + 2] === recent[i + 2];
      if (!repeat) n++;
    }
    return n;
  }
}

/** Moves the window's end to bucket `b`: the buckets it leaves are emptied and the totals summed afresh (no drift). */
function advance(x: Exposure, b: number): void {
  const buckets = x.buckets;
  if (b - x.head >= BUCKETS) buckets.fill(0);
  else for (let k = x.head + 1; k <= b; k++) for (let s = 0; s < 3; s++) buckets[s * BUCKETS + (k % BUCKETS)] = 0;
  x.head = b;
  let total = 0;
  let estimated = 0;
  let calls = 0;
  for (let i = 0; i < BUCKETS; i++) {
    total += buckets[i] as number;
    estimated += buckets[BUCKETS + i] as number;
    calls += buckets[2 * BUCKETS + i] as number;
  }
  x.total = total;
  x.estimated = estimated;
  x.calls = calls;
}

/** A new (or reused) key's ring: empty, its newest bucket `b`. */
function reset(x: Exposure, b: number): void {
  x.buckets.fill(0);
  x.recent.fill(-1);
  x.head = b;
  x.total = 0;
  x.estimated = 0;
  x.calls = 0;
  x.next = 0;
}
