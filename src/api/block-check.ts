import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { cdrShape, LIMITS, type Cdr } from '../domain/cdr/contract.js';
import type { BlockTable } from '../domain/blocks/block-table.js';
import { decide, type Reason } from '../domain/blocks/decision.js';
import { DecisionCounts, decisionOf, SHED_TENANT } from '../domain/blocks/decision-counts.js';
import type { Engine } from '../domain/engine/engine.js';
import type { Verdict } from '../domain/engine/verdicts.js';
import type { HotlistHolder } from '../domain/lists/hotlist.js';
import type { AttemptCounter } from './ports.js';
import { SeenCalls } from './seen-calls.js';
import { GradedCheck } from './graded-check.js';
import type { CallEnd } from '../domain/live/call-end.js';

/** A block-check request: the call the PBX is about to route (query string or JSON body). */
export const checkQuery = z.strictObject({
  tenant: cdrShape.shape.tenant,
  account: cdrShape.shape.account,
  caller: cdrShape.shape.caller,
  callee: cdrShape.shape.callee,
  ip: cdrShape.shape.srcIp,
  callId: z
    .string()
    .min(1)
    .max(LIMITS.textLength)
    .optional()
    .describe('the SIP Call-ID: a retransmitted INVITE asked about again within 32 s is not counted as another attempt'),
});
export type CheckQuery = z.output<typeof checkQuery>;

/**
 * normal: the block table is loaded and fresh · fail-open / fail-closed: it is not (loading, stale feed, or the
 * server shed the request under overload) and the configured fail policy shaped the answer.
 */
export type PolicyName = 'normal' | 'fail-open' | 'fail-closed';
export type FailPolicy = 'open' | 'closed';

export interface CheckAnswer {
  /** `throttle`: route this call; the subject is held to the rate in `throttle` (calls beyond it are answered `block`). */
  readonly action: 'allow' | 'block' | 'throttle';
  readonly reasons: readonly Reason[];
  readonly throttle?: { readonly calls: number; readonly per: string };
  readonly policy: PolicyName;
  /** Why the answer is not `normal`: loading, stale or overload. */
  readonly degraded?: 'loading' | 'stale' | 'overload';
  readonly emergency?: true;
}

export interface FeedStatus {
  readonly ready: boolean;
  readonly state: 'loading' | 'live' | 'stale';
  readonly reason: string;
}

export interface BlockCheckOptions {
  /**
   * Engine with the `on: attempt` rules (EV12, EV13): every block-check is a call attempt. It reads the calls
   * (numbers, lists) here; it also counts them unless `counter` does.
   */
  readonly attempts: Engine;
  /** Counts the attempts elsewhere (a thread of its own: ipc/attempt-thread.ts), handing back verdicts to `attemptVerdicts`. */
  readonly counter?: AttemptCounter;
  readonly table: BlockTable;
  readonly failPolicy: FailPolicy;
  /** The feed counts as stale when it was last heard from longer ago than this. */
  readonly staleAfterMs: number;
  /** Verdicts of the attempt rules, to publish and persist (outside the request path). */
  readonly onVerdicts: (verdicts: readonly Verdict[]) => void;
  /**
   * Live concurrent calls (issue 16): how long a call waits for its CDR and how far its CDR's start may be from the
   * check. Leave it out where no CDR reaches `ended` (server mode without a call-ends topic): calls would never close.
   */
  readonly liveCalls?: { readonly maxAgeMs: number; readonly toleranceMs: number } | undefined;
  /** Prefix of the attempts' CDR ids (default: one per process start); replay fixes it so its output is reproducible. */
  readonly attemptIdPrefix?: string;
  /** Shared hotlists (issue 16): a hotlisted IP or number range is refused like a deny-listed one. */
  readonly hotlist?: HotlistHolder;
}

/**
 * Answers block-checks from memory. No IO: the block table is fed from outside (bootstrap, Kafka, the embedded
 * pipeline) and `now` comes in, so the service is unit-tested with a fixed clock.
 */
export class BlockCheckService {
  readonly table: BlockTable;
  private loaded = false;
  /** Epoch ms the feed was last known to be current (a fetch, a bootstrap, an in-process delivery). */
  private heardAt = -Infinity;
  private attemptSeq = 0;
  private readonly seenCalls = new SeenCalls();
  private readonly attemptPrefix: string;
  /** The attempt rules' engine; a hot reload of changed attempt rules swaps it (their windows start again). */
  private attempts: Engine;
  private readonly counter: AttemptCounter;
  readonly counts = { allow: 0, block: 0, throttle: 0, shed: 0 };
  /** Answers per tenant and minute, for the NOC's decisions chart (the API writes the finished minutes). */
  readonly decisions = new DecisionCounts(randomUUID());
  /** Non-dialable callees, live-call caps and throttles (issue 16). */
  readonly graded: GradedCheck;
  /** Checks answered as retransmissions of a call already counted (same Call-ID and numbers). */
  retransmissions = 0;

  /** The options, without the engine they started with: `attempts` is the one in force (a reload swaps it). */
  private readonly o: Omit<BlockCheckOptions, 'attempts'>;

  constructor(o: BlockCheckOptions) {
    this.o = o;
    this.table = o.table;
    this.attempts = o.attempts;
    this.graded = new GradedCheck({ live: o.liveCalls, table: o.table, onVerdicts: o.onVerdicts });
    this.attemptPrefix = o.attemptIdPrefix ?? `attempt-${Date.now().toString(36)}-`;
    this.counter = o.counter ?? { count: (attempt, now) => this.attemptVerdicts(this.attempts.process(attempt, now).verdicts, now) };
  }

  /** Attempts answered but never counted (only a counter on a thread of its own can fall behind or die). */
  get uncountedAttempts(): number {
    return this.counter.uncounted ?? 0;
  }

  /** Attempts answered and waiting to be counted (on a thread of its own). */
  get attemptBacklog(): number {
    return this.counter.backlog ?? 0;
  }

  /** Verdicts of the attempt rules: blocks in force at once, then published and persisted (outside the request path). */
  attemptVerdicts(verdicts: readonly Verdict[], now: number): void {
    if (verdicts.length === 0) return;
    for (const v of verdicts) if (v.kind === 'block') this.o.table.apply(v, now);
    this.o.onVerdicts(verdicts);
  }

  /** Hot reload: the attempt rules changed (README "Hot reload"); a `counter` of its own is given them apart. */
  useAttemptRules(engine: Engine): void {
    this.attempts = engine;
  }

  /** The bootstrap finished: the table holds every block that was active. */
  markLoaded(now: number): void {
    this.loaded = true;
    this.heardAt = now;
  }

  /** The feed is current as of `now`. */
  heard(now: number): void {
    this.heardAt = now;
  }

  status(now: number): FeedStatus {
    if (!this.loaded) return { ready: false, state: 'loading', reason: `block table loading (fail-${this.o.failPolicy})` };
    if (now - this.heardAt > this.o.staleAfterMs) {
      return { ready: false, state: 'stale', reason: `block feed silent for ${Math.round((now - this.heardAt) / 1000)} s (fail-${this.o.failPolicy})` };
    }
    return { ready: true, state: 'live', reason: 'ok' };
  }

  check(q: CheckQuery, now: number): CheckAnswer {
    // a retransmission is decided again against today's blocks, but not counted as another attempt; the key holds
    // the whole call so that a UA reusing one Call-ID for other numbers is still counted
    const repeat = q.callId !== undefined && this.seenCalls.repeat(`${q.tenant}\0${q.account}\0${q.caller}\0${q.callee}\0${q.callId}`, now);
    if (repeat) this.retransmissions++;
    else this.counter.count(attemptCdr(q, this.attemptPrefix + (this.attemptSeq++).toString(36), now), now);
    const event = this.attempts.describe(attemptCdr(q, 'describe', now));
    const decision = decide(event, this.attempts.lists(q.tenant), this.o.table, now, this.o.hotlist?.index);
    const feed = this.status(now);
    let answer: CheckAnswer;
    if (decision.emergency) answer = { action: 'allow', reasons: [], policy: feed.ready ? 'normal' : this.failName(), emergency: true };
    else {
      // a retransmission of a call already live is answered, not counted again against the cap or the rate
      const live = repeat && this.graded.isLive(q.tenant, q.callId);
      const callee = () => this.attempts.numbersOf(attemptCdr(q, 'callee', now)).callee;
      const graded = this.graded.judge(event, decision, callee, live, now);
      const rate = graded.throttle ? { throttle: graded.throttle } : {};
      if (feed.ready) answer = { action: graded.action, reasons: graded.reasons, ...rate, policy: 'normal' };
      else answer = this.failed(graded.action === 'block' ? 'block' : 'allow', graded.reasons, feed.state === 'loading' ? 'loading' : 'stale', q.tenant);
      if (answer.action !== 'block' && !live) this.graded.allowed(event, graded, q.callId, now);
    }
    this.counts[answer.action]++;
    this.decisions.add(q.tenant, decisionOf(answer), now);
    return answer;
  }

  /**
   * What block-check answers for this call from the block table, lists, hotlists and profiles, without counting it
   * as an attempt and without judging live-call caps or throttles (the console's tester: a NOC operator's question
   * must not feed the attempt rules). Unlike `check`, a degraded feed is reported, not applied.
   */
  preview(q: CheckQuery, now: number): CheckAnswer {
    const event = this.attempts.describe(attemptCdr(q, 'preview', now));
    const decision = decide(event, this.attempts.lists(q.tenant), this.o.table, now, this.o.hotlist?.index);
    const feed = this.status(now);
    return {
      action: decision.action,
      reasons: decision.reasons,
      policy: feed.ready ? 'normal' : this.failName(),
      ...(feed.state === 'live' ? {} : { degraded: feed.state }),
      ...(decision.emergency ? { emergency: true as const } : {}),
    };
  }

  /**
   * A CDR arrived for a call this service may have seen as an attempt: the call is no longer live (issue 16). Matched
   * by Call-ID, else by caller, callee and start, numbers read with the tenant's dial plan as the check read them.
   * The embedded pipeline, the call-ends topic and the replay call it; a CDR of a call never checked changes nothing.
   */
  ended(cdr: CallEnd, now: number): void {
    // every replica hears every outbound CDR: read its numbers only when this replica holds a call of the account
    if (this.graded.concurrency === undefined || this.graded.concurrency.live.of(cdr.tenant, cdr.account).all === 0) return;
    const e = this.attempts.describe(attemptCdr({ tenant: cdr.tenant, account: cdr.account, caller: cdr.caller, callee: cdr.callee }, 'ended', cdr.startedAt));
    this.graded.ended({ tenant: cdr.tenant, caller: e.caller, callee: e.calleeText, startedAt: cdr.startedAt, callId: cdr.callId }, now);
  }

  /**
   * The answer without evaluating the call (emergency calls still pass): for a request shed under overload, or
   * one that cannot be authenticated yet because the replica is still loading its API keys.
   */
  shed(q: Partial<CheckQuery>, now: number, why: 'overload' | 'loading' = 'overload'): CheckAnswer {
    this.counts.shed++;
    this.decisions.add(SHED_TENANT, 'shed', now); // not under q.tenant: unauthenticated (decision-counts.ts)
    if (this.o.failPolicy === 'open') return { action: 'allow', reasons: [], policy: 'fail-open', degraded: why };
    if (q.tenant !== undefined && q.account !== undefined && q.caller !== undefined && q.callee !== undefined) {
      const event = this.attempts.describe(attemptCdr(q as CheckQuery, 'shed', now));
      if (event.emergency) return { action: 'allow', reasons: [], policy: 'fail-closed', degraded: why, emergency: true };
    }
    return this.failed('allow', [], why, q.tenant ?? 'default');
  }

  /**
   * A subject value as block-checks will look it up: callers and destinations normalised with the tenant's dial
   * plan (an operator may type 011 3000-1000), prefixes as +digits, everything else as given.
   */
  subjectValue(tenant: string, kind: string, value: string): string {
    if (kind !== 'caller' && kind !== 'destination' && kind !== 'destPrefix') return value.trim();
    if (kind === 'destPrefix') return `+${value.replace(/\D/g, '')}`;
    const event = this.attempts.describe(attemptCdr({ tenant, account: '-', caller: value, callee: value }, 'subject', 0));
    return kind === 'caller' ? event.caller : event.calleeText;
  }

  private failName(): PolicyName {
    return this.o.failPolicy === 'open' ? 'fail-open' : 'fail-closed';
  }

  private failed(action: 'allow' | 'block', reasons: readonly Reason[], degraded: 'loading' | 'stale' | 'overload', tenant: string): CheckAnswer {
    if (this.o.failPolicy === 'open') return { action, reasons, policy: 'fail-open', degraded };
    const closed: Reason = { rule: 'fail-closed', subject: `tenant:${tenant}`, expiresAt: null };
    return { action: 'block', reasons: action === 'block' ? reasons : [closed], policy: 'fail-closed', degraded };
  }
}

/** A block-check as the engine reads it: an unanswered call starting now. */
export function attemptCdr(q: CheckQuery, id: string, now: number): Cdr {
  return {
    id,
    tenant: q.tenant,
    account: q.account,
    caller: q.caller,
    callee: q.callee,
    ...(q.ip !== undefined ? { srcIp: q.ip } : {}),
    startedAt: now,
    answeredAt: null,
    endedAt: now,
    durationSec: 0,
    billSec: 0,
    disposition: 'NO ANSWER',
    direction: 'outbound',
  };
}
