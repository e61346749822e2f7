import type { CheckQuery } from '../../api/block-check.js';
import type { Cdr } from '../../domain/cdr/contract.js';

/**
 * replay --attempts: a simulated PBX asks block-check at each outbound call's start. Attempts (in start order)
 * are merged with the CDRs (in file order, i.e. as exporters deliver them: by call end), so an attempt sees the
 * blocks of every CDR that arrived before its call started, and a CDR closes a call after its attempt.
 *
 * Streaming bound: a CDR arrives at its end (the running maximum of `endedAt` in file order, so a late flush
 * arrives at the flush) and its call started at most `lookAheadMs` earlier (its duration plus its delivery
 * delay). Reading ahead until the newest arrival is `lookAheadMs` past the next CDR's arrival therefore has read
 * every call that starts before that CDR arrives. `lookAheadMs` is the allowed lateness: a call older than that
 * is too late for the engine anyway. A call beyond the bound is still asked about, late, and counted.
 */

/** A call attempt to ask block-check about. */
export interface Attempt {
  readonly kind: 'attempt';
  readonly query: CheckQuery;
  /** The call's start: the simulated PBX's clock when it asks. */
  readonly at: number;
  /** The CDR's cost when it carries one (what a refused call would have cost). */
  readonly cost: number | undefined;
}

/** A CDR line, when it arrives, and the CDRs it holds (they close their live calls). */
export interface Arrival {
  readonly kind: 'cdr';
  readonly line: string;
  readonly at: number;
  readonly cdrs: readonly Cdr[];
}

export type ReplayItem = Arrival | Attempt;

interface Pending {
  readonly line: string;
  readonly arrival: number;
  readonly cdrs: readonly Cdr[];
}

export class AttemptMerger {
  /** Attempts asked after CDRs that arrived after their call started (beyond the look-ahead). */
  late = 0;
  private readonly heap: Attempt[] = [];
  private seq = 0;
  private readonly order = new WeakMap<Attempt, number>();

  constructor(
    /** The CDRs a line holds (the replay's decoder and contract); [] when it holds none or is bad. */
    private readonly decode: (line: string, lineNo: number) => readonly Cdr[],
    private readonly lookAheadMs: number,
  ) {}

  async *merge(lines: AsyncIterable<string>): AsyncGenerator<ReplayItem> {
    const buffer: Pending[] = [];
    let head = 0;
    let arrival = -Infinity;
    let lineNo = 0;
    let emitted = -Infinity;
    const release = function* (this: AttemptMerger, until: number): Generator<Attempt> {
      while (this.heap.length > 0 && (this.heap[0] as Attempt).at <= until) {
        const a = this.pop();
        if (a.at < emitted) this.late++;
        yield a;
      }
    }.bind(this);
    for await (const line of lines) {
      lineNo++;
      const cdrs = this.decode(line, lineNo);
      for (const cdr of cdrs) {
        arrival = Math.max(arrival, cdr.endedAt);
        if (cdr.direction === undefined || cdr.direction === 'outbound') this.push(toAttempt(cdr));
      }
      buffer.push({ line, arrival, cdrs });
      // emit while the buffer reaches far enough past its head
      while (head < buffer.length && arrival - (buffer[head] as Pending).arrival >= this.lookAheadMs) {
        const p = buffer[head++] as Pending;
        yield* release(p.arrival);
        emitted = Math.max(emitted, p.arrival);
        yield { kind: 'cdr', line: p.line, at: p.arrival, cdrs: p.cdrs };
      }
      if (head > 4096 && head * 2 > buffer.length) {
        buffer.splice(0, head);
        head = 0;
      }
    }
    for (; head < buffer.length; head++) {
      const p = buffer[head] as Pending;
      yield* release(p.arrival);
      emitted = Math.max(emitted, p.arrival);
      yield { kind: 'cdr', line: p.line, at: p.arrival, cdrs: p.cdrs };
    }
    yield* release(Infinity);
  }

  private push(a: Attempt): void {
    this.order.set(a, this.seq++);
    const h = this.heap;
    h.push(a);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i] as Attempt, h[parent] as Attempt)) break;
      [h[i], h[parent]] = [h[parent] as Attempt, h[i] as Attempt];
      i = parent;
    }
  }

  private pop(): Attempt {
    const h = this.heap;
    const top = h[0] as Attempt;
    const last = h.pop() as Attempt;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l] as Attempt, h[m] as Attempt)) m = l;
        if (r < h.length && this.before(h[r] as Attempt, h[m] as Attempt)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Attempt, h[i] as Attempt];
        i = m;
      }
    }
    return top;
  }

  /** Start order; equal starts in file order. */
  private before(a: Attempt, b: Attempt): boolean {
    return a.at < b.at || (a.at === b.at && (this.order.get(a) as number) < (this.order.get(b) as number));
  }
}

function toAttempt(cdr: Cdr): Attempt {
  return {
    kind: 'attempt',
    query: {
      tenant: cdr.tenant,
      account: cdr.account,
      caller: cdr.caller,
      callee: cdr.callee,
      ...(cdr.srcIp !== undefined ? { ip: cdr.srcIp } : {}),
      callId: cdr.callId ?? cdr.id,
    },
    at: cdr.startedAt,
    cost: cdr.cost,
  };
}
