import { compileRule, type CompiledRule } from '../rules/compile.js';
import { ruleSpec } from '../rules/spec.js';
import type { CallEvent } from '../engine/event.js';
import type { DenyHit } from '../engine/lists-check.js';
import type { Subject } from '../engine/verdicts.js';
import { iso } from '../time/iso.js';
import type { HotlistEntry } from './hotlist-entry.js';
import type { HotlistIndex } from './hotlist.js';

/** Calls from a hotlisted address or to a hotlisted number range: a deny-list style critical alert (G4, F4). */
export const HOTLIST_RULE: CompiledRule = compileRule(
  ruleSpec.parse({
    id: 'hotlist',
    description: 'Call from a hotlisted IP or to a hotlisted number range (shared hotlists, confirmed attacks)',
    cites: ['G4', 'F4'],
    key: 'caller',
    measure: { kind: 'count' },
    window: '1h',
    thresholds: { critical: 1 },
  }),
);

export interface HotlistHit {
  readonly subject: Subject;
  readonly entry: HotlistEntry;
}

/** The hotlist entries a call meets at `at`: its source address and its callee's range. Emergency calls meet none. */
export function hotlistHits(e: CallEvent, index: HotlistIndex, at: number): HotlistHit[] {
  if (index.size === 0 || e.emergency) return [];
  const hits: HotlistHit[] = [];
  const ip = index.ip(e.tenant, e.ip, at);
  if (ip && e.ip !== undefined) hits.push({ subject: { kind: 'ip', value: e.ip }, entry: ip });
  const number = index.number(e.tenant, e.callee?.e164 ?? null, at);
  if (number) hits.push({ subject: { kind: 'destination', value: e.calleeText }, entry: number });
  return hits;
}

/** The engine's side: each hit as a verdict of HOTLIST_RULE, judged in event time, with the entry's source in details. */
export function hotlistDenyHits(e: CallEvent, index: HotlistIndex): DenyHit[] {
  return hotlistHits(e, index, e.t).map(({ subject, entry }) => ({
    rule: HOTLIST_RULE,
    subject,
    observation: {
      value: 1,
      reachedAt: () => e.t,
      evidence: () => [e.seq],
      details: () => ({
        list: 'hotlist',
        entry: entry.value,
        source: entry.source,
        category: entry.category,
        entryTenant: entry.tenant === '' ? 'global' : entry.tenant,
        expiresAt: entry.expiresAt === null ? 'never' : iso(entry.expiresAt),
      }),
    },
  }));
}
