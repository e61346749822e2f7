import type { CallEvent } from '../engine/event.js';
import type { Subject } from '../engine/verdicts.js';
import { parseDuration } from './duration.js';
import { GIVEN } from '../engine/hot-ranges.js';
import { noveltyBit } from '../usage/novelty.js';
import type { ColdStart } from '../usage/usage-book.js';
import type { BLOCK_UNTIL, BlockScope, MatchSpec, MeasureSpec, RuleSpec, ThresholdSpec } from './spec.js';

/** The runtime form of a rule: matcher and key functions, durations in ms. */
export interface CompiledRule {
  readonly id: string;
  readonly description: string;
  readonly cites: readonly string[];
  readonly measure: MeasureSpec;
  readonly windowMs: number;
  readonly cooldownMs: number;
  /** Thresholds as fixed floors; with a baseline, each scales to max(floor, factor × baseline). */
  readonly warn: number | undefined;
  readonly critical: number | undefined;
  readonly warnFactor: number | undefined;
  readonly criticalFactor: number | undefined;
  /** Scale thresholds with the subject's learned usage (G3); `of` is what a cold-start site size counts. */
  readonly baseline: { readonly coldStart: ColdStart; readonly dailyCost?: true } | undefined;
  /** The rule matches on novelty (G3), so usage must be learned even without a baseline. */
  readonly readsNovelty: boolean;
  readonly block: CompiledBlock | undefined;
  /** A graded answer from the warn threshold until the block (issue 16 item 7): rule-throttle.ts issues it. */
  readonly throttle?: CompiledThrottle;
  readonly matches: (e: CallEvent) => boolean;
  /** The subject a call is counted against, or null when the call has none (no source IP, say). */
  readonly subject: (e: CallEvent) => Subject | null;
  readonly keyKind: Subject['kind'];
  /** While the rule alerts on a destPrefix subject, the range is hot for the tenant this long (ms). */
  readonly hotRangeMs: number | undefined;
}

export interface CompiledBlock {
  readonly at: number;
  readonly durationMs: number | undefined;
  readonly until: (typeof BLOCK_UNTIL)[number] | undefined;
  readonly scope: BlockScope;
  readonly escalate: boolean;
  readonly sharedSite: 'block' | 'warn';
}

export interface CompiledThrottle {
  readonly calls: number;
  readonly perMs: number;
  readonly forMs: number;
  readonly scope: BlockScope;
}

export function compileRule(spec: RuleSpec): CompiledRule {
  const windowMs = spec.window === undefined ? 86_400_000 : (parseDuration(spec.window) as number);
  const b = spec.block;
  return {
    id: spec.id,
    description: spec.description,
    cites: spec.cites,
    measure: spec.measure,
    windowMs,
    cooldownMs: spec.cooldown === undefined ? windowMs : (parseDuration(spec.cooldown) as number),
    warn: floor(spec.thresholds.warn),
    critical: floor(spec.thresholds.critical),
    warnFactor: factor(spec.thresholds.warn),
    criticalFactor: factor(spec.thresholds.critical),
    baseline: spec.baseline === undefined ? undefined : { coldStart: coldStartOf(spec), ...(spec.baseline === 'dailyCost' ? { dailyCost: true as const } : {}) },
    block: b && {
      at: b.at ?? (floor(spec.thresholds.critical) as number),
      durationMs: b.duration === undefined ? undefined : (parseDuration(b.duration) as number),
      until: b.until,
      scope: b.scope,
      escalate: b.escalate,
      sharedSite: b.sharedSite,
    },
    ...(spec.throttle
      ? { throttle: { calls: spec.throttle.calls, perMs: parseDuration(spec.throttle.per) as number, forMs: parseDuration(spec.throttle.for) as number, scope: spec.throttle.scope } }
      : {}),
    readsNovelty: spec.match.novel !== undefined,
    matches: withMeasureFilter(spec.measure, compileMatch(spec.match)),
    subject: compileSubject(spec),
    keyKind: spec.key,
    hotRangeMs: spec.hotRange === undefined ? undefined : (parseDuration(spec.hotRange.for) as number),
  };
}

function coldStartOf(spec: RuleSpec): ColdStart {
  if (spec.baseline === 'learned') return 'floor';
  if (spec.baseline === 'peers') return 'peers';
  return spec.measure.kind === 'distinct' && spec.measure.of === 'account' ? 'accounts' : 'callers';
}

/** Calls a money measure cannot count are not looked at: no subject, no key (most calls, on the hot path). */
function withMeasureFilter(measure: MeasureSpec, matches: (e: CallEvent) => boolean): (e: CallEvent) => boolean {
  if (measure.kind === 'moneyCap') return (e) => e.profile.caps !== undefined && (e.cost ?? 0) > 0 && matches(e);
  if (measure.kind === 'sum') return (e) => (e.cost ?? 0) > 0 && matches(e);
  return matches;
}

const floor = (t: ThresholdSpec | undefined) => (typeof t === 'object' ? t.floor : t);
const factor = (t: ThresholdSpec | undefined) => (typeof t === 'object' ? t.factor : undefined);

function compileMatch(m: MatchSpec): (e: CallEvent) => boolean {
  const tests: ((e: CallEvent) => boolean)[] = [];
  const set = <T>(items: readonly T[] | undefined) => (items ? new Set(items) : undefined);
  const tenants = set(m.tenants);
  const accounts = set(m.accounts);
  const directions = set(m.directions);
  const types = set(m.numberTypes);
  const countries = set(m.countries);
  const lists = set(m.lists);
  if (tenants) tests.push((e) => tenants.has(e.tenant));
  if (accounts) tests.push((e) => accounts.has(e.account));
  if (directions) tests.push((e) => directions.has(e.direction));
  if (types) tests.push((e) => e.callee !== null && types.has(e.callee.type));
  if (m.international !== undefined) tests.push((e) => e.international === m.international);
  if (countries) tests.push((e) => countries.has(e.callee?.region ?? ''));
  if (lists) tests.push((e) => e.listHits.some((h) => lists.has(h.list)));
  if (m.offHours !== undefined) tests.push((e) => e.offHours === m.offHours);
  if (m.answered !== undefined) tests.push((e) => e.answered === m.answered);
  if (m.novel) {
    const bits = m.novel.reduce((n, k) => n | noveltyBit(k), 0);
    tests.push((e) => (e.novelty & bits) !== 0);
  }
  if (m.maxBillSec !== undefined) {
    const max = m.maxBillSec;
    tests.push((e) => e.billSec <= max);
  }
  if (m.validity) {
    const validities = new Set(m.validity);
    tests.push((e) => validities.has(e.validity));
  }
  if (m.callee) {
    // flags decided once: the test allocates nothing per call
    const has = (c: (typeof m.callee)[number]) => (m.callee as readonly string[]).includes(c);
    const [intl, premium, outOfProfile, risk, national, invalid] = [
      has('international'),
      has('premium'),
      has('outOfProfile'),
      has('risk'),
      has('national'),
      has('invalid'),
    ];
    tests.push(
      (e) =>
        (intl && e.international) ||
        (premium && e.premium) ||
        (outOfProfile && e.outOfProfile) ||
        (risk && (e.premium || e.riskListed)) ||
        (invalid && e.validity !== 'valid') ||
        (national && e.callee !== null && !e.international),
    );
  }
  if (m.callerInternational !== undefined) tests.push((e) => e.callerInternational === m.callerInternational);
  if (m.hot) {
    const by = new Set(m.hot);
    const marked = (h: { readonly rule?: string }) => by.has(h.rule ?? GIVEN);
    tests.push((e) => e.hot.length > 0 && e.hot.some(marked));
  }
  if (m.notHot) {
    const by = new Set(m.notHot);
    const marked = (h: { readonly rule?: string }) => by.has(h.rule ?? GIVEN);
    tests.push((e) => e.hot.length === 0 || !e.hot.some(marked));
  }
  return (e) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as (e: CallEvent) => boolean)(e)) return false;
    return true;
  };
}

function compileSubject(spec: RuleSpec): (e: CallEvent) => Subject | null {
  switch (spec.key) {
    case 'caller':
      return CALLER;
    case 'account':
      return ACCOUNT;
    case 'tenant':
      return TENANT;
    case 'ip':
      return IP;
    case 'destination':
      return spec.party === 'caller' ? CALLING_NUMBER : CALLED_NUMBER;
    case 'destCountry':
      return DEST_COUNTRY;
    case 'destPrefix': {
      const digits = spec.prefixDigits as number;
      // the caller of an inbound call is the outside party: its range is what a callback would dial (Wangiri)
      const numberOf = spec.party === 'caller' ? (e: CallEvent) => e.callerE164 : (e: CallEvent) => e.callee?.e164;
      return (e) => {
        const e164 = numberOf(e);
        return e164 && e164.length > digits ? { kind: 'destPrefix', value: e164.slice(0, digits + 1) } : null;
      };
    }
  }
}

/**
 * One subject object per call and key, shared by every rule keyed on it (most calls are counted by several rules
 * per key): the last call's subject is kept. Verdicts hold it, so it is never changed once built.
 */
function perCall(kind: Subject['kind'], valueOf: (e: CallEvent) => string | null): (e: CallEvent) => Subject | null {
  let lastEvent: CallEvent | undefined;
  let last: Subject | null = null;
  return (e) => {
    if (e !== lastEvent) {
      lastEvent = e;
      const value = valueOf(e);
      last = value === null ? null : { kind, value };
    }
    return last;
  };
}
const CALLER = perCall('caller', (e) => e.caller);
const ACCOUNT = perCall('account', (e) => e.account);
const TENANT = perCall('tenant', (e) => e.tenant);
const IP = perCall('ip', (e) => e.ip ?? null);
const CALLING_NUMBER = perCall('destination', (e) => e.callerE164);
const CALLED_NUMBER = perCall('destination', (e) => (e.calleeText === '' ? null : e.calleeText));
const DEST_COUNTRY = perCall('destCountry', (e) => e.callee?.region || null);
