import type { CallEvent } from '../engine/event.js';
import { checkDenyLists, exemptKinds } from '../engine/lists-check.js';
import type { SubjectList } from '../engine/subject-lists.js';
import { subjectText } from '../engine/verdicts.js';
import { KEY_KINDS } from '../rules/spec.js';
import type { BlockTable } from './block-table.js';
import type { Block } from './block.js';
import { iso } from '../time/iso.js';
import { hotlistHits } from '../lists/hotlist-check.js';
import type { HotlistIndex } from '../lists/hotlist.js';

export interface Reason {
  /** Rule id: a detection rule, `deny-list` (G4), `profile-international` (F1, F3) or `profile-premium` (F4). */
  readonly rule: string;
  /** kind:value, e.g. caller:+551133334444 or destPrefix:+2917. */
  readonly subject: string;
  /** When the block ends (ISO-8601); null for list and profile reasons, which last as long as the configuration. */
  readonly expiresAt: string | null;
  /** The block's id when the reason is a block (admin API: GET /v1/blocks/{id}). */
  readonly blockId?: string;
  /** A stable code from src/errors.ts when the reason is the request itself (e.g. CALLEE_NOT_DIALABLE). */
  readonly code?: string;
  /** What the reason measured, when it is not a block: e.g. `11 live international calls (cap 10)`. */
  readonly detail?: string;
  /** The rate a throttle allows (graded actions): `action: "throttle"` within it, `block` beyond it. */
  readonly throttle?: { readonly calls: number; readonly per: string };
  /** A hotlist reason: where the entry came from (`apiban`, `file:x.csv`, `alert:<id>`, `operator:<user>`) and its category. */
  readonly source?: string;
  readonly category?: string;
}

export interface Decision {
  readonly action: 'allow' | 'block';
  readonly reasons: readonly Reason[];
  readonly emergency: boolean;
  /** Active throttles (graded actions) on the call's subjects: the caller applies their rate (ThrottleGate). */
  readonly throttles?: readonly Block[];
}

export interface Lists {
  readonly allow: readonly SubjectList[];
  readonly deny: readonly SubjectList[];
}

const ALLOW: Decision = { action: 'allow', reasons: [], emergency: false };
const EMERGENCY: Decision = { action: 'allow', reasons: [], emergency: true };
const ALL_KINDS = KEY_KINDS.length;

/**
 * Whether a call may be routed: emergency numbers always; otherwise blocked by a deny list, the account's
 * profile (international denied unless allowed, only the allowed countries, premium-rate denied) or an active
 * block on the tenant, caller, account, IP, destination or destination prefix. Allow lists exempt a subject
 * from the blocks keyed on it; an allow-listed destination is exempt from blocks and profile checks. A deny
 * list wins over an allow list.
 */
export function decide(e: CallEvent, lists: Lists, table: BlockTable, now: number, hotlist?: HotlistIndex): Decision {
  if (e.emergency) return EMERGENCY;
  const reasons: Reason[] = [];
  for (const hit of checkDenyLists(e, lists.deny)) reasons.push({ rule: 'deny-list', subject: subjectText(hit.subject), expiresAt: null });
  // shared hotlists (G4, F4) deny like a deny list, with the entry's source and expiry
  for (const { subject, entry } of hotlist ? hotlistHits(e, hotlist, now) : [])
    reasons.push({
      rule: 'hotlist',
      subject: subjectText(subject),
      expiresAt: entry.expiresAt === null ? null : iso(entry.expiresAt),
      source: entry.source,
      category: entry.category,
    });
  const exempt = exemptKinds(e, lists.allow);
  const trustedDestination = exempt.size === ALL_KINDS;
  if (!trustedDestination) {
    if (e.outOfProfile) reasons.push({ rule: 'profile-international', subject: `account:${e.account}`, expiresAt: null });
    if (e.premium) reasons.push({ rule: 'profile-premium', subject: `destination:${e.calleeText}`, expiresAt: null });
  }
  const hits = table.lookup(
    {
      tenant: e.tenant,
      caller: e.caller,
      account: e.account,
      ip: e.ip,
      callee: e.calleeText,
      calleeE164: e.callee?.e164 ?? null,
      international: e.international,
      exempt,
    },
    now,
  );
  let throttles: Block[] | undefined;
  for (const b of hits) {
    if (b.throttle !== undefined) (throttles ??= []).push(b);
    else reasons.push({ rule: b.rule, subject: subjectText(b.subject), expiresAt: iso(b.expiresAt), blockId: b.id });
  }
  if (reasons.length > 0) return { action: 'block', reasons, emergency: false };
  return throttles === undefined ? ALLOW : { action: 'allow', reasons, emergency: false, throttles };
}
