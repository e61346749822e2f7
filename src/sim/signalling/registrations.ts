import type { Rng } from '../prng.js';
import { SECOND } from '../time.js';
import { SIG_SIM } from './config.js';
import type { SimEvent } from './model.js';
import { securityEvent, type Device } from './population.js';

/** UDP Timer E: copies of an unanswered request leave 0.5, 1.5, 3.5 and 7.5 s after the first. */
const COPIES_AT = [0, 500, 1500, 3500, 7500];
/** Share of phones retransmitting when a whole site registers at once after an outage (a busy registrar). */
const STORM_RETRANSMIT = 0.05;
const COPIES = [
  [2, 0.8],
  [3, 0.15],
  [4, 0.05],
] as const;
const STORM_COPIES = [
  [2, 0.7],
  [3, 0.15],
  [4, 0.1],
  [5, 0.05],
] as const;

/**
 * A device's successful registrations (`registered`, as Asterisk's SuccessfulAuth reports them), in time order: at
 * the start of each session, then a little before each expiry. Now and then an answer is lost and the phone
 * retransmits its REGISTER (later registered): the copies repeat its Via branch, which the edge does not count as a
 * flood (deploy/kamailio/security.cfg), so they yield no event.
 */
export function* registrations(rng: Rng, d: Device, from: number, until: number): Generator<SimEvent> {
  for (const s of d.sessions) {
    if (s.until <= from || s.from >= until) continue;
    let t = s.from;
    let first = true;
    // no REGISTER in the last seconds of a session: its retransmissions would run into the next one's
    while (t < Math.min(s.until - 8 * SECOND, until)) {
      const storm = first && s.storm === true;
      // mostly one lost answer; under a storm the registrar is slow too, now and then 7.5 s (5 copies)
      const copies = rng.chance(storm ? STORM_RETRANSMIT : SIG_SIM.retransmitChance) ? rng.weighted(storm ? STORM_COPIES : COPIES) : 1;
      // the copies repeat one Via branch: the edge does not count retransmissions as a flood (security.cfg)
      const answered = t + (COPIES_AT[copies - 1] as number) + rng.int(20, 200);
      yield { event: securityEvent(d.tenant, 'registered', answered, s.ip, { user: d.user, userAgent: d.agent, callId: d.callId, srcPort: d.port }) };
      first = false;
      // phones refresh a little before the registration expires
      t += Math.round(d.expiryS * rng.between(0.85, 0.95)) * SECOND;
    }
  }
}

/**
 * The flood samples the edge writes for `copies` identical messages sent at `times(n)` (n = 1…), as
 * deploy/kamailio/security.cfg does: 2 at the 2nd copy, 3 at the 5th, then 100 per 100 (samples that differ, so
 * none is taken for a re-delivery of another).
 */
export function floodSamples(copies: number, time: (n: number) => number): { readonly at: number; readonly count: number }[] {
  const out: { at: number; count: number }[] = [];
  for (let n = 2; n <= copies; n++) {
    if (n === 2) out.push({ at: time(n), count: 2 });
    else if (n === 5) out.push({ at: time(n), count: 3 });
    else if (n > 5 && (n - 5) % 100 === 0) out.push({ at: time(n), count: 100 });
  }
  return out;
}

interface Head {
  readonly e: SimEvent;
  readonly i: number;
}
const before = (a: Head, b: Head) => a.e.event.at < b.e.event.at || (a.e.event.at === b.e.event.at && a.i < b.i);

/** Merges streams each in time order into one (ties: the earlier stream first), lazily: a week of registrations is never held at once. */
export function* mergeByTime(streams: readonly Iterator<SimEvent>[]): Generator<SimEvent> {
  const heap: Head[] = [];
  const at = (k: number) => heap[k] as Head;
  const swap = (x: number, y: number) => ([heap[x], heap[y]] = [at(y), at(x)]);
  const push = (h: Head) => {
    heap.push(h);
    for (let c = heap.length - 1, p = (c - 1) >> 1; c > 0 && before(at(c), at(p)); c = p, p = (c - 1) >> 1) swap(c, p);
  };
  const pop = (): Head => {
    const top = at(0);
    const last = heap.pop() as Head;
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let p = 0; ;) {
      const l = 2 * p + 1;
      let m = l < heap.length && before(at(l), at(p)) ? l : p;
      if (l + 1 < heap.length && before(at(l + 1), at(m))) m = l + 1;
      if (m === p) return top;
      swap(m, p);
      p = m;
    }
  };
  const advance = (i: number) => {
    const next = (streams[i] as Iterator<SimEvent>).next();
    if (!next.done) push({ e: next.value, i });
  };
  streams.forEach((_, i) => advance(i));
  while (heap.length > 0) {
    const { e, i } = pop();
    yield e;
    advance(i);
  }
}
