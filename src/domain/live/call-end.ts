import { z } from 'zod';
import type { Cdr } from '../cdr/contract.js';
import type { EventStatus } from '../engine/engine.js';

/**
 * A call ended (its CDR was taken): the compact fact the pipeline hands to block-check so that the call stops
 * counting as live (issue 16). Numbers as the CDR had them; block-check reads them with the tenant's dial plan.
 */
export type CallEnd = Pick<Cdr, 'tenant' | 'account' | 'caller' | 'callee' | 'startedAt'> & { readonly callId?: string | undefined };

/** The call ends of a batch's CDRs: outbound calls the rules counted (only those were asked about as attempts). */
export function callEndsOf(cdrs: readonly { readonly cdr: Cdr; readonly status: EventStatus }[]): CallEnd[] {
  const out: CallEnd[] = [];
  for (const { cdr, status } of cdrs) {
    if (status !== 'evaluated' || (cdr.direction ?? 'outbound') !== 'outbound') continue;
    const end = { tenant: cdr.tenant, account: cdr.account, caller: cdr.caller, callee: cdr.callee, startedAt: cdr.startedAt };
    out.push(cdr.callId === undefined ? end : { ...end, callId: cdr.callId });
  }
  return out;
}

/** The wire form on the call-ends topic (short keys: one message per outbound CDR). */
export function callEndJson(e: CallEnd): string {
  return JSON.stringify({ t: e.tenant, a: e.account, c: e.caller, d: e.callee, s: e.startedAt, ...(e.callId !== undefined ? { i: e.callId } : {}) });
}

const wire = z.object({ t: z.string().min(1), a: z.string(), c: z.string(), d: z.string(), s: z.number(), i: z.string().min(1).optional() });

/** A call end from its wire form; throws a ZodError or SyntaxError on bad input. */
export function parseCallEndJson(text: string): CallEnd {
  const w = wire.parse(JSON.parse(text));
  const end = { tenant: w.t, account: w.a, caller: w.c, callee: w.d, startedAt: w.s };
  return w.i === undefined ? end : { ...end, callId: w.i };
}
