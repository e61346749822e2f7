import { compileRule, type CompiledRule } from '../rules/compile.js';
import { KEY_KINDS, ruleSpec, type KeyKind } from '../rules/spec.js';
import type { Observation } from './detectors/detector.js';
import type { CallEvent } from './event.js';
import type { SubjectList } from './subject-lists.js';
import type { Subject } from './verdicts.js';

/** Deny-list hits (G4) are verdicts of this built-in rule, one critical alert per subject per hour. */
export const DENY_LIST_RULE: CompiledRule = compileRule(
  ruleSpec.parse({
    id: 'deny-list',
    description: 'Call involving a deny-listed caller, account, IP or destination',
    cites: ['G4'],
    key: 'caller',
    measure: { kind: 'count' },
    window: '1h',
    thresholds: { critical: 1 },
  }),
);

export interface DenyHit {
  readonly rule: CompiledRule;
  readonly subject: Subject;
  readonly observation: Observation;
}

export function checkDenyLists(e: CallEvent, lists: readonly SubjectList[]): DenyHit[] {
  const hits: DenyHit[] = [];
  const hit = (subject: Subject, entry: string) =>
    hits.push({
      rule: DENY_LIST_RULE,
      subject,
      observation: { value: 1, reachedAt: () => e.t, evidence: () => [e.seq], details: () => ({ list: 'deny', entry }) },
    });
  for (const list of lists) {
    const caller = list.caller(e.callerE164);
    if (caller !== undefined) hit({ kind: 'caller', value: e.caller }, caller);
    if (list.account(e.account)) hit({ kind: 'account', value: e.account }, e.account);
    if (e.ip !== undefined && list.ip(e.ip)) hit({ kind: 'ip', value: e.ip }, e.ip);
    const destination = list.destination(e.callee?.e164 ?? null);
    if (destination !== undefined) hit({ kind: 'destination', value: e.calleeText }, destination);
  }
  return hits;
}

/**
 * Rule keys an allow-listed call is not counted against: an allowed caller, account or IP is exempt from the
 * rules keyed on it; a call to an allowed destination is exempt from every rule.
 */
export function exemptKinds(e: CallEvent, lists: readonly SubjectList[]): ReadonlySet<KeyKind> {
  if (lists.length === 0) return NONE;
  const kinds = new Set<KeyKind>();
  for (const list of lists) {
    if (list.destination(e.callee?.e164 ?? null) !== undefined) return ALL;
    if (list.caller(e.callerE164) !== undefined) kinds.add('caller');
    if (list.account(e.account)) kinds.add('account');
    if (list.ip(e.ip)) kinds.add('ip');
  }
  return kinds;
}

const NONE: ReadonlySet<KeyKind> = new Set();
const ALL: ReadonlySet<KeyKind> = new Set(KEY_KINDS);
