import { NO_EVIDENCE, type Block } from '../blocks/block.js';
import type { ConcurrencyProfile } from '../engine/profiles.js';
import { verdictId, type Alert, type Subject, type Verdict } from '../engine/verdicts.js';
import { formatDuration } from '../rules/duration.js';
import { LiveCalls, type EndedCall, type LiveCallsOptions } from './live-calls.js';

/** The rule id of every verdict and refusal about live concurrent calls (issue 16; F2 G3). */
export const CONCURRENT_CALLS = 'concurrent-calls';
const DAY_MS = 86_400_000;
/** Daily peaks kept per account: the usual peak is the highest of the last week (a weekly rhythm). */
const PEAK_DAYS = 7;

/** What block-check needs to know about the call it is asked about. */
export interface LiveCall {
  readonly tenant: string;
  readonly account: string;
  readonly caller: string;
  readonly callee: string;
  readonly international: boolean;
  readonly concurrency: ConcurrencyProfile;
}

export interface Judgement {
  /** Set when the call would exceed a cap: refuse it. */
  readonly refuse?: { readonly rule: string; readonly subject: string; readonly detail: string };
  /** An alert when a cap refuses (once per quiet period), or a throttle and its warning. */
  readonly verdicts: readonly Verdict[];
}

interface Peaks {
  day: number;
  today: number;
  /** Peaks of the previous days, newest last, at most PEAK_DAYS. */
  readonly past: number[];
}

const NOTHING: Judgement = { verdicts: [] };

/**
 * Judges a call against its account's live calls: over a profile cap (all calls, or international) it is refused
 * and a critical alert raised; above the account's usual peak of live international calls (its highest of the
 * last 7 days, learned in event time: the checks' `now`) but under the cap, a throttle is issued (graded action).
 * A peak at or above the throttle level is never learned, so an attack does not raise tomorrow's baseline.
 * Memory: the open calls (LiveCalls' bounds) and 7 numbers per account that made international calls this week.
 */
export class Concurrency {
  readonly live: LiveCalls;
  private readonly peaks = new Map<string, Peaks>();
  /** tenant NUL account NUL what → until when another alert or throttle of the same kind stays quiet. */
  private readonly quiet = new Map<string, number>();
  readonly counts = { refused: 0, throttles: 0 };

  constructor(private readonly o: LiveCallsOptions & { readonly alertQuietMs?: number }) {
    this.live = new LiveCalls(o);
  }

  judge(c: LiveCall, now: number): Judgement {
    const cap = c.concurrency;
    if (!tracked(c)) return NOTHING;
    this.live.expire(now);
    const live = this.live.of(c.tenant, c.account);
    const subject: Subject = { kind: 'account', value: c.account };
    const all = live.all + 1;
    const intl = live.international + 1;
    const over =
      cap.max !== undefined && all > cap.max
        ? { n: all, cap: cap.max, what: 'live calls' }
        : c.international && cap.international !== undefined && intl > cap.international
          ? { n: intl, cap: cap.international, what: 'live international calls' }
          : undefined;
    if (over) {
      this.counts.refused++;
      const detail = `${over.n} ${over.what} (cap ${over.cap})`;
      const verdicts: Verdict[] = [];
      if (this.quietOver(c, 'cap', now, now + (this.o.alertQuietMs ?? 600_000))) {
        verdicts.push(alert(c, subject, now, 'critical', { value: over.n, threshold: over.cap, live: over.what, baseline: this.baseline(c, now) }));
      }
      return { refuse: { rule: CONCURRENT_CALLS, subject: `account:${c.account}`, detail }, verdicts };
    }
    const t = cap.throttle;
    if (!c.international || t === undefined) return NOTHING;
    const usual = this.baseline(c, now);
    const level = Math.max(t.floor, Math.ceil(t.factor * usual));
    if (intl <= level || !this.quietOver(c, 'throttle', now, now + t.forMs)) return NOTHING;
    this.counts.throttles++;
    const capText = cap.international === undefined ? '' : `, cap ${cap.international}`;
    const block: Block = {
      kind: 'block',
      id: verdictId(['block', c.tenant, CONCURRENT_CALLS, `account:${c.account}`, now]),
      tenant: c.tenant,
      rule: CONCURRENT_CALLS,
      severity: 'critical',
      subject,
      reason: `${intl} live international calls, above max(${t.floor}, ${t.factor} × usual peak ${usual}) = ${level}${capText}: ${t.calls} new international calls per ${formatDuration(t.perMs)}`,
      level: 1,
      scope: 'international',
      throttle: { calls: t.calls, perMs: t.perMs },
      startsAt: now,
      expiresAt: now + t.forMs,
      evidence: NO_EVIDENCE,
      source: 'rule',
      createdBy: '',
      state: 'active',
    };
    return { verdicts: [alert(c, subject, now, 'warn', { value: intl, threshold: level, live: 'live international calls', baseline: usual }), block] };
  }

  /** The call was allowed: it is up until its CDR arrives. */
  open(c: LiveCall, callId: string | undefined, now: number): void {
    if (!tracked(c)) return;
    this.live.add({ tenant: c.tenant, account: c.account, caller: c.caller, callee: c.callee, callId, international: c.international, openedAt: now });
    if (!c.international) return;
    const intl = this.live.of(c.tenant, c.account).international;
    const t = c.concurrency.throttle;
    const usual = this.baseline(c, now);
    const level = t ? Math.max(t.floor, Math.ceil(t.factor * usual)) : (c.concurrency.international ?? Infinity);
    if (intl > level) return; // never learn what an attack reached
    const p = this.peaksOf(c, now);
    if (intl > p.today) p.today = intl;
  }

  close(end: EndedCall, now: number): boolean {
    return this.live.close(end, now) !== undefined;
  }

  /** The account's usual peak of live international calls: its highest on the previous 7 days (0 before any). */
  baseline(c: Pick<LiveCall, 'tenant' | 'account'>, now: number): number {
    const p = this.peaks.get(`${c.tenant}\u0000${c.account}`);
    if (p === undefined) return 0;
    roll(p, Math.floor(now / DAY_MS));
    return p.past.length === 0 ? 0 : Math.max(...p.past);
  }

  /** Expires calls whose CDR never came; forgets accounts idle for a week and quiet periods that ended. */
  sweep(now: number): void {
    this.live.expire(now);
    const day = Math.floor(now / DAY_MS);
    for (const [key, p] of this.peaks) if (p.day < day - PEAK_DAYS) this.peaks.delete(key);
    for (const [key, until] of this.quiet) if (until <= now) this.quiet.delete(key);
  }

  /** True (and quiet until `until`) when no alert or throttle of this kind is running for the account. */
  private quietOver(c: LiveCall, what: string, now: number, until: number): boolean {
    const key = `${c.tenant}\u0000${c.account}\u0000${what}`;
    if ((this.quiet.get(key) ?? -Infinity) > now) return false;
    this.quiet.set(key, until);
    return true;
  }

  private peaksOf(c: LiveCall, now: number): Peaks {
    const key = `${c.tenant}\u0000${c.account}`;
    const day = Math.floor(now / DAY_MS);
    let p = this.peaks.get(key);
    if (p === undefined) this.peaks.set(key, (p = { day, today: 0, past: [] }));
    roll(p, day);
    return p;
  }
}

/**
 * Whether a call counts: international calls under any concurrency setting, every call only under `max`. Without a
 * `max` (the shipped default) national calls cost nothing on the hot path, and a call centre is never judged.
 */
const tracked = (c: LiveCall): boolean => {
  const cap = c.concurrency;
  return cap.max !== undefined || (c.international && (cap.international !== undefined || cap.throttle !== undefined));
};

/** Moves a new day's start into the past peaks (days without calls peak at 0). */
function roll(p: Peaks, day: number): void {
  if (day <= p.day) return;
  p.past.push(p.today);
  for (let gap = Math.min(day - p.day - 1, PEAK_DAYS); gap > 0; gap--) p.past.push(0);
  p.past.splice(0, Math.max(0, p.past.length - PEAK_DAYS));
  p.today = 0;
  p.day = day;
}

function alert(c: LiveCall, subject: Subject, now: number, severity: Alert['severity'], details: Alert['details']): Alert {
  return {
    kind: 'alert',
    id: verdictId(['alert', c.tenant, CONCURRENT_CALLS, `account:${c.account}`, now, severity]),
    tenant: c.tenant,
    rule: CONCURRENT_CALLS,
    severity,
    subject,
    at: now,
    evidence: [],
    details,
  };
}
