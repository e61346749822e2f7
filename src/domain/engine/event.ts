import { isBusinessTime } from '../calendar/business.js';
import type { Cdr, Direction } from '../cdr/contract.js';
import type { CalleeFactsMemo } from '../cost/callee-facts.js';
import { validityOf, type Validity } from '../numbering/validity.js';
import type { NormalisedNumber } from '../numbering/types.js';
import type { HotRange } from './hot-ranges.js';
import type { NumberMemo } from './number-memo.js';
import type { PrefixEntry, PrefixLists } from './prefix-lists.js';
import type { Profile, ProfileBook } from './profiles.js';

/** A CDR as the rules see it: numbers normalised with the tenant's dial plan, classes decided once. */
export interface CallEvent {
  readonly id: string;
  /** Arrival sequence number (finds the id in the EvidenceRing). */
  readonly seq: number;
  readonly tenant: string;
  readonly account: string;
  /** Event time: the call's start (epoch ms). */
  readonly t: number;
  /** Caller as E.164 when it normalises to one, else as presented (an extension, say). */
  readonly caller: string;
  readonly callerE164: string | null;
  /** Null when the dialled number could not be read (NUMBER_* error). */
  readonly callee: NormalisedNumber | null;
  /** Callee as E.164 when it has one, else the dialled digits. */
  readonly calleeText: string;
  readonly ip: string | undefined;
  readonly billSec: number;
  /** The call's end (epoch ms): when its cost is spent and known (exposure windows count by it). */
  readonly end: number;
  /** The CDR's cost, else the rate table's estimate (billed minutes × ratePerMinute); undefined without either. */
  readonly cost: number | undefined;
  /** `cost` is the rate table's estimate, not the CDR's own (alerts say so). */
  readonly costEstimated: boolean;
  /** Whether the callee can exist (libphonenumber, Brazilian numbering plan): invalid and unallocated numbers are a risk signal. */
  readonly validity: Validity;
  /**
   * What a minute of this call costs (BRL): the CDR's own cost rate when it has one, else the rate table's estimate
   * for the callee (issue 16, filled by the cost work; 0 until then).
   */
  readonly ratePerMinute: number;
  readonly answered: boolean;
  /** The CDR's direction; exporters that do not say are read as outbound. */
  readonly direction: Direction;
  readonly international: boolean;
  readonly emergency: boolean;
  /** PREMIUM_RATE by numbering plan, or on a curated premium/IRSF list (F4). */
  readonly premium: boolean;
  readonly listHits: readonly PrefixEntry[];
  readonly offHours: boolean;
  /** International call outside the profile's policy or country allow-list (F1, F3, EV13). */
  readonly outOfProfile: boolean;
  readonly profile: Profile;
  /** What was new about the call for its subjects (G3 novelty bits, see UsageBook); set by the engine before the rules run. */
  novelty: number;
  /** The caller's number is international for the dial plan (an inbound call from abroad). */
  readonly callerInternational: boolean;
  /** On a risk-only range list (category `risk_*`): a risk signal for the range rules, not premium. */
  readonly riskListed: boolean;
  /** The tenant's hot ranges holding the callee (see HotRanges); set by the engine before the rules run. */
  hot: readonly HotRange[];
}

/** List rows of a `risk_*` category mark ranges as risky (range rules) without making their numbers premium. */
export const isRiskOnly = (entry: PrefixEntry): boolean => entry.category.startsWith('risk_');
const notRiskOnly = (entry: PrefixEntry): boolean => !isRiskOnly(entry);
const NO_HOT: readonly HotRange[] = Object.freeze([]);

export interface EnrichDeps {
  readonly numbers: NumberMemo;
  readonly profiles: ProfileBook;
  readonly prefixLists: PrefixLists;
  /** Rate and validity per callee (rules/rates.csv); without it nothing is estimated. */
  readonly callees?: CalleeFactsMemo | undefined;
}

export function enrich(cdr: Cdr, seq: number, deps: EnrichDeps): CallEvent {
  const profile = deps.profiles.profile(cdr.tenant, cdr.account);
  const callerResult = deps.numbers.normalise(cdr.caller, profile.dialPlan, 'caller');
  const callerE164 = callerResult.ok ? callerResult.number.e164 : null;
  const calleeResult = deps.numbers.normalise(cdr.callee, profile.dialPlan, 'callee');
  const callee = calleeResult.ok ? calleeResult.number : null;
  const e164 = callee?.e164 ?? null;
  const listHits = e164 ? deps.prefixLists.lookup(e164) : [];
  const international = callee?.international ?? false;
  const intl = profile.international;
  const facts = deps.callees?.of(callee);
  const ownRate = cdr.cost !== undefined && cdr.billSec > 0;
  const ratePerMinute = ownRate ? ((cdr.cost as number) * 60) / cdr.billSec : (facts?.rate.brlPerMinute ?? 0);
  const costEstimated = cdr.cost === undefined && facts !== undefined;
  const outOfProfile = international && (intl.policy === 'deny' || (intl.countries !== undefined && !intl.countries.includes(callee?.region ?? '')));
  return {
    id: cdr.id,
    seq,
    tenant: cdr.tenant,
    account: cdr.account,
    t: cdr.startedAt,
    caller: callerE164 ?? cdr.caller.trim(),
    callerE164,
    callee,
    calleeText: e164 ?? cdr.callee.replace(/[^\d*#+]/g, ''),
    ip: cdr.srcIp,
    billSec: cdr.billSec,
    end: cdr.endedAt,
    cost: costEstimated ? (cdr.billSec / 60) * ratePerMinute : cdr.cost,
    costEstimated,
    validity: facts?.validity ?? validityOf(callee),
    ratePerMinute,
    answered: cdr.answeredAt !== null,
    direction: cdr.direction ?? 'outbound',
    international,
    emergency: callee?.emergency ?? false,
    premium: callee?.type === 'PREMIUM_RATE' || listHits.some(notRiskOnly),
    listHits,
    offHours: !isBusinessTime(profile.calendar, cdr.startedAt),
    outOfProfile,
    profile,
    novelty: 0,
    callerInternational: callerResult.ok && callerResult.number.international,
    riskListed: listHits.some(isRiskOnly),
    hot: NO_HOT,
  };
}
