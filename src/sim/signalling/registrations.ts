import { hash32 } from '../../domain/hash.js';
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
 * retransmits its REGISTER: identical copies, which the edge reports as flood-sample events (count 2 at the 2nd copy,
 * 1 for the 3rd to 5th, deploy/kamailio/security.cfg).
 */
export function* registrations(rng: Rng, d: Device, from: number, until: number): Generator<SimEvent> {
  let cseq = 1;
  for (const s of d.sessions) {
    if (s.until <= from || s.from >= until) continue;
    let t = s.from;
    let first = true;
    // no REGISTER in the last seconds of a session: its retransmissions would run into the next one's
    while (t < Math.min(s.until - 8 * SECOND, until)) {
      const storm = first && s.storm === true;
      // mostly one lost answer; under a storm the registrar is slow too, now and then 7.5 s (5 copies)
      const copies = rng.chance(storm ? STORM_RETRANSMIT : SIG_SIM.retransmitChance) ? rng.weighted(storm ? STORM_COPIES : COPIES) : 1;
      if (copies > 1) yield* retransmitted(d, s.ip, t, copies, cseq);
      const answered = t + (COPIES_AT[copies - 1] as number) + rng.int(20, 200);
      yield { event: securityEvent(d.tenant, 'registered', answered, s.ip, { user: d.user, userAgent: d.agent, callId: d.callId, srcPort: d.port }) };
      cseq += 2;
      first = false;
      // phones refresh a little before the registration expires
      t += Math.round(d.expiryS * rng.between(0.85, 0.95)) * SECOND;
    }
  }
}

function* retransmitted(d: Device, ip: string, t: number, copies: number, cseq: number): Generator<SimEvent> {
  const fingerprint = `${hash32(`${d.callId} ${cseq} REGISTER`).toString(16).padStart(8, '0')}${hash32(d.user).toString(16).padStart(8, '0')}`;
  for (let n = 2; n <= copies; n++) {
    const at = t + (COPIES_AT[n - 1] as number);
    const parts = { user: d.user, userAgent: d.agent, callId: d.callId, srcPort: d.port, fingerprint, count: n === 2 ? 2 : 1 };
    yield { event: securityEvent(d.tenant, 'flood-sample', at, ip, parts), incident: 'retransmission' };
  }
}

/** The flood samples the edge writes for `copies` identical messages sent at `times(n)` (n = 1…): 2 at the 2nd, 1 for the 3rd-5th, then 100 per 100. */
export function floodSamples(copies: number, time: (n: number) => number): { readonly at: number; readonly count: number }[] {
  const out: { at: number; count: number }[] = [];
  for (let n = 2; n <= copies; n++) {
    if (n === 2) out.push({ at: time(n), count: 2 });
    else if (n <= 5) out.push({ at: time(n), count: 1 });
    else if (n % 100 === 5) out.push({ at: time(n), count: 100 });
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
