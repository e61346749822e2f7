import type { Block } from '../domain/blocks/block.js';
import type { BlockTable } from '../domain/blocks/block-table.js';
import type { Decision, Reason } from '../domain/blocks/decision.js';
import { ThrottleGate } from '../domain/blocks/throttle-gate.js';
import type { CallEvent } from '../domain/engine/event.js';
import type { Verdict } from '../domain/engine/verdicts.js';
import { subjectText } from '../domain/engine/verdicts.js';
import { Concurrency, CONCURRENT_CALLS, type LiveCall } from '../domain/live/concurrency.js';
import type { EndedCall } from '../domain/live/live-calls.js';
import type { NumberResult } from '../domain/numbering/normaliser.js';
import { formatDuration } from '../domain/rules/duration.js';
import { iso } from '../domain/time/iso.js';
import { ErrorCodes } from '../errors.js';

export const INVALID_CALLEE = 'invalid-callee';
/** Normaliser errors that mean the callee is no number at all (letters, SQL, control text, 25+ digits). */
const NOT_DIALABLE = new Set(['NUMBER_EMPTY', 'NUMBER_INVALID_CHARS', 'NUMBER_TOO_LONG']);

export interface Graded {
  readonly action: 'allow' | 'block' | 'throttle';
  readonly reasons: readonly Reason[];
  /** The tightest rate of the throttles the call passed under. */
  readonly throttle?: { readonly calls: number; readonly per: string };
  readonly throttles?: readonly Block[];
}

export interface GradedOptions {
  /** Live concurrent calls: undefined where no CDR can close them (server mode without a call-ends topic). */
  readonly live: { readonly maxAgeMs: number; readonly toleranceMs: number } | undefined;
  readonly table: BlockTable;
  readonly onVerdicts: (verdicts: readonly Verdict[]) => void;
}

/**
 * The graded half of block-check (issue 16): a callee that is no number is refused (G4 hygiene); an account over
 * its live-call cap is refused and alerted, above its usual peak it is throttled (F2, G3); a throttled subject's
 * calls pass within the throttle's rate and are refused beyond it (G1). In memory, `now` comes in.
 */
export class GradedCheck {
  readonly concurrency: Concurrency | undefined;
  private readonly gate = new ThrottleGate();
  private sinceSweep = 0;
  /** Refusals by reason (metrics): a callee that is no number, a live-call cap, a throttle's rate. */
  readonly refusals = { [INVALID_CALLEE]: 0, [CONCURRENT_CALLS]: 0, throttle: 0 };

  constructor(private readonly o: GradedOptions) {
    this.concurrency = o.live && new Concurrency(o.live);
  }

  /** Refines a decision that is not an emergency call's. `callee`: the normaliser's reading of the callee. */
  judge(e: CallEvent, decision: Decision, callee: () => NumberResult, liveRepeat: boolean, now: number): Graded {
    if (e.callee === null) {
      const read = callee();
      if (!read.ok && NOT_DIALABLE.has(read.error.code)) {
        this.refusals[INVALID_CALLEE]++;
        const reason: Reason = {
          rule: INVALID_CALLEE,
          subject: `account:${e.account}`,
          expiresAt: null,
          code: 'CALLEE_NOT_DIALABLE',
          // the code's summary, not the message: the message quotes what was dialled, and that is the attacker's text
          detail: `the callee is not a dialable number: ${ErrorCodes[read.error.code].summary}`,
        };
        return { action: 'block', reasons: [reason, ...decision.reasons] };
      }
    }
    if (decision.action === 'block') return decision;
    let throttles = decision.throttles;
    if (this.concurrency && !liveRepeat) {
      const j = this.concurrency.judge(liveCall(e), now);
      if (j.verdicts.length > 0) {
        for (const v of j.verdicts) if (v.kind === 'block') this.o.table.apply(v, now);
        this.o.onVerdicts(j.verdicts);
        const issued = j.verdicts.filter((v): v is Block => v.kind === 'block');
        if (issued.length > 0) throttles = [...(throttles ?? []), ...issued];
      }
      if (j.refuse) {
        this.refusals[CONCURRENT_CALLS]++;
        return { action: 'block', reasons: [{ rule: j.refuse.rule, subject: j.refuse.subject, expiresAt: null, detail: j.refuse.detail }] };
      }
    }
    if (throttles === undefined || throttles.length === 0) return decision;
    const beyond = liveRepeat ? undefined : this.gate.fits(throttles, now);
    if (beyond) {
      this.refusals.throttle++;
      return { action: 'block', reasons: [throttleReason(beyond)] };
    }
    const tightest = throttles.reduce((a, b) => (rate(b) < rate(a) ? b : a));
    return { action: 'throttle', reasons: throttles.map(throttleReason), throttle: rateText(tightest), throttles };
  }

  /** The call was let through (allow or throttle): it counts under its throttles and is live until its CDR. */
  allowed(e: CallEvent, graded: Graded, callId: string | undefined, now: number): void {
    if (graded.throttles) this.gate.pass(graded.throttles, now);
    this.concurrency?.open(liveCall(e), callId, now);
    if (++this.sinceSweep >= 4096) this.sweep(now);
  }

  /** A retransmission of a call already live is not judged against the cap again (it is counted once). */
  isLive(tenant: string, callId: string | undefined): boolean {
    return callId !== undefined && this.concurrency !== undefined && this.concurrency.live.isOpen(tenant, callId);
  }

  ended(end: EndedCall, now: number): boolean {
    return this.concurrency?.close(end, now) ?? false;
  }

  sweep(now: number): void {
    this.sinceSweep = 0;
    this.gate.sweep(now);
    this.concurrency?.sweep(now);
  }
}

const liveCall = (e: CallEvent): LiveCall => ({
  tenant: e.tenant,
  account: e.account,
  caller: e.caller,
  callee: e.calleeText,
  international: e.international,
  concurrency: e.profile.concurrency,
});

const rate = (b: Block): number => (b.throttle ? b.throttle.calls / b.throttle.perMs : Infinity);
const rateText = (b: Block) => ({ calls: b.throttle?.calls ?? 0, per: formatDuration(b.throttle?.perMs ?? 0) });
const throttleReason = (b: Block): Reason => ({
  rule: b.rule,
  subject: subjectText(b.subject),
  expiresAt: iso(b.expiresAt),
  blockId: b.id,
  throttle: rateText(b),
});
