import type { Direction, Disposition } from '../domain/cdr/contract.js';
import type { PopulationKind } from './config.js';
import { callCost, type Dest } from './numbering.js';
import type { Rng } from './prng.js';
import { SECOND, type LocalIso } from './time.js';

/** One simulated call leg, before it becomes a canonical CDR line. */
export interface Call {
  readonly tenant: string;
  readonly account: string;
  /** E.164 caller. */
  readonly caller: string;
  /** As dialled (or, inbound, as the carrier presents the DID). */
  readonly callee: string;
  readonly dest: Dest;
  readonly srcIp: string;
  readonly start: number;
  readonly ringSec: number;
  readonly billSec: number;
  readonly disposition: Disposition;
  readonly direction: Direction;
  readonly cost: number;
  readonly end: number;
  /** When the exporter delivers it: the end, or a later flush after an outage. */
  deliverAt: number;
  /** Legitimate traffic: the population of its site. */
  readonly population?: PopulationKind;
  /** Fraud: the index of its episode. */
  readonly episode?: number;
  id?: string;
}

export interface Outcome {
  readonly ringSec: number;
  readonly billSec: number;
  readonly disposition: Disposition;
}

/** Answered or not, ring time and talk time: log-normal talk time, as measured call durations are. */
export function outcome(rng: Rng, unanswered: number, duration: readonly [number, number], maxSec = 7200): Outcome {
  if (rng.chance(unanswered)) return failed(rng);
  return answered(rng, Math.min(maxSec, Math.max(1, Math.round(rng.logNormal(duration[0], duration[1])))));
}

export function answered(rng: Rng, billSec: number): Outcome {
  return { ringSec: rng.int(2, 18), billSec: Math.max(1, Math.round(billSec)), disposition: 'ANSWERED' };
}

export function failed(rng: Rng): Outcome {
  const disposition = rng.weighted<Disposition>([
    ['NO ANSWER', 0.62],
    ['BUSY', 0.3],
    ['FAILED', 0.06],
    ['CONGESTION', 0.02],
  ]);
  const ringSec = disposition === 'NO ANSWER' ? rng.int(12, 40) : disposition === 'BUSY' ? rng.int(1, 6) : rng.int(0, 2);
  return { ringSec, billSec: 0, disposition };
}

export interface CallSpec {
  readonly tenant: string;
  readonly account: string;
  readonly caller: string;
  readonly callee: string;
  readonly dest: Dest;
  readonly srcIp: string;
  readonly start: number;
  readonly direction?: Direction;
  readonly population?: PopulationKind;
  readonly episode?: number;
}

export function makeCall(spec: CallSpec, o: Outcome): Call {
  const start = Math.round(spec.start / SECOND) * SECOND;
  const end = start + (o.ringSec + o.billSec) * SECOND;
  const inbound = spec.direction === 'inbound';
  return {
    ...spec,
    start,
    ringSec: o.ringSec,
    billSec: o.billSec,
    disposition: o.disposition,
    direction: spec.direction ?? 'outbound',
    // inbound legs are not billed to the customer
    cost: inbound ? 0 : callCost(o.billSec, spec.dest.tariff),
    end,
    deliverAt: end,
  };
}

/**
 * The canonical CDR (src/domain/cdr/contract.ts) as one JSON line, keys in a fixed order. `withCost` false: the
 * exporter writes no cost (Asterisk and FreeSWITCH CDRs carry none; the rate table estimates it).
 */
export function cdrLine(c: Call, iso: LocalIso, withCost = true): string {
  return JSON.stringify({
    id: c.id,
    tenant: c.tenant,
    account: c.account,
    caller: c.caller,
    callee: c.callee,
    srcIp: c.srcIp,
    startedAt: iso.format(c.start),
    answeredAt: c.disposition === 'ANSWERED' ? iso.format(c.start + c.ringSec * SECOND) : null,
    endedAt: iso.format(c.end),
    durationSec: c.ringSec + c.billSec,
    billSec: c.billSec,
    disposition: c.disposition,
    direction: c.direction,
    ...(withCost ? { cost: c.cost, currency: 'BRL' } : {}),
  });
}
