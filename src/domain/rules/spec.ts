import { z } from 'zod';
import { DIRECTIONS } from '../cdr/contract.js';
import { VALIDITIES } from '../numbering/validity.js';
import { NOVELTIES } from '../usage/novelty.js';
import { DURATION_PATTERN, parseDuration } from './duration.js';
import { signallingRuleSpec } from '../signalling/spec.js';

/**
 * The stored form of a rule: what `rules/*.yaml` holds, validated with zod. `compile.ts` turns it into the
 * runtime profile the detectors use; the live window state lives in the detectors (CGRateS' three forms).
 */
export const KEY_KINDS = ['caller', 'account', 'ip', 'tenant', 'destination', 'destPrefix', 'destCountry'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/**
 * Callee classes a rule can match on (any of them). `risk`: premium, or on a risk-only range list (`risk_*`
 * category: rules/lists/irsf-risk-ranges.csv); a tenant's hot ranges are matched with `hot`. `invalid`: a callee
 * that cannot exist (invalid or unallocated).
 */
export const CALLEE_CLASSES = ['international', 'premium', 'outOfProfile', 'national', 'invalid', 'risk'] as const;
export type CalleeClass = (typeof CALLEE_CLASSES)[number];

/** capPeriod (money caps): the end of the period whose cap was crossed, local midnight or the next month's start. */
export const BLOCK_UNTIL = ['localMidnight', 'nextBusinessHour', 'capPeriod'] as const;
export const BLOCK_SCOPES = ['all', 'international'] as const;
export type BlockScope = (typeof BLOCK_SCOPES)[number];

const duration = z.string().regex(DURATION_PATTERN, 'must be a duration such as 60s, 10m, 1h or 24h');
const name = z.string().min(1).max(128);
const positive = z.number().positive('must be positive');
/** A fixed threshold, or one relative to the subject's learned baseline: max(floor, factor × baseline) (G3). */
const threshold = z.union([positive, z.strictObject({ floor: positive, factor: positive })]);
export type ThresholdSpec = z.infer<typeof threshold>;
const floorOf = (t: ThresholdSpec | undefined) => (typeof t === 'object' ? t.floor : t);
const factorOf = (t: ThresholdSpec | undefined) => (typeof t === 'object' ? t.factor : 0);

export const matchSpec = z.strictObject({
  tenants: z.array(name).min(1).optional(),
  accounts: z.array(name).min(1).optional(),
  directions: z.array(z.enum(DIRECTIONS)).min(1).optional(),
  /** libphonenumber / PBX number types of the callee, e.g. [MOBILE, PREMIUM_RATE]. */
  numberTypes: z
    .array(z.string().regex(/^[A-Z_]+$/, 'must be a number type such as MOBILE'))
    .min(1)
    .optional(),
  international: z.boolean().optional(),
  /** ISO 3166 regions of the callee (001 for non-geographic codes). */
  countries: z
    .array(z.string().regex(/^(?:[A-Z]{2}|001)$/, 'must be an ISO 3166 alpha-2 code or 001'))
    .min(1)
    .optional(),
  /** The callee is on one of these prefix lists (file names in rules/lists without .csv). */
  lists: z.array(name).min(1).optional(),
  /** The callee is in at least one of these classes. */
  callee: z.array(z.enum(CALLEE_CLASSES)).min(1).optional(),
  /** Outside (true) or inside (false) the tenant's business calendar. */
  offHours: z.boolean().optional(),
  /** Only answered calls (true) or only unanswered attempts (false). */
  answered: z.boolean().optional(),
  /** The call was new for its subjects (G3): an account's first call to a country or number type, a caller on a new IP… */
  novel: z.array(z.enum(NOVELTIES)).min(1).optional(),
  /** Only calls billed at most this many seconds: short or unanswered (war-dialling; a sales team's list calls are long). */
  maxBillSec: z.int().min(0).optional(),
  /** Whether the callee can exist: valid, invalid (libphonenumber), unallocated (Brazilian numbering plan). */
  validity: z.array(z.enum(VALIDITIES)).min(1).optional(),
  /** The caller's number is international for the dial plan: an inbound call from abroad (Wangiri). */
  callerInternational: z.boolean().optional(),
  /** The callee is in a hot range of the tenant marked by one of these rules (`hotRange`), or `given` (hotlists). */
  hot: z.array(name).min(1).optional(),
  /** The callee is in no hot range these rules marked (a range another rule already owns, e.g. a Wangiri range's callbacks). */
  notHot: z.array(name).min(1).optional(),
});
export type MatchSpec = z.infer<typeof matchSpec>;

/**
 * Single-account pumping (G2, F4): per key and destination range (the callee's first `prefixDigits` digits), the
 * distinct numbers called within the window, each weighted by how short and answered its call was and how risky
 * its range is (range-score.ts). A 2 s answered call to a listed range weighs most; a conversation nothing.
 */
const rangeScoreSpec = z.strictObject({
  kind: z.literal('rangeScore'),
  prefixDigits: z.int().min(1).max(15).default(4),
  /** Answered calls billed at most this long are short (weight 1); longer answered calls are conversations (0). */
  maxBillSec: z.int().min(0).default(6),
  /** Weight of an unanswered call: it costs nothing yet, but probes the range. */
  unanswered: z.number().min(0).max(1).default(0.25),
  /** Range weights: the highest that applies multiplies the call's weight (1 for any other range). */
  weights: z
    .strictObject({
      /** Premium or on a risk list. */
      risk: z.number().min(1).default(2),
      /** A hot range of the tenant (a test call, a Wangiri range, a confirmed attack). */
      hot: z.number().min(1).default(3),
      /** A call costing at least `from` BRL a minute (CallEvent.ratePerMinute, else the CDR's cost / billed minutes). */
      rate: z.strictObject({ from: positive, weight: z.number().min(1) }).optional(),
    })
    .default({ risk: 2, hot: 3 }),
  /** Only fire when at least this share of the window's answered calls were short (a sales team talks). */
  minShortShare: z.number().min(0).max(1).default(0.8),
  /** Only fire with at least this many distinct numbers (one number redialled is never pumping). */
  minDistinct: z.int().min(1).default(3),
});
export type RangeScoreMeasure = z.output<typeof rangeScoreSpec>;

export const measureSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('count') }),
  z.strictObject({
    kind: z.literal('distinct'),
    of: z.enum(['caller', 'account', 'ip', 'destination']),
    /** Only fire when at least `minShare` of the calls in the window lasted at most `maxBillSec`. */
    shortCalls: z.strictObject({ maxBillSec: z.int().min(0), minShare: z.number().min(0).max(1) }).optional(),
  }),
  z.strictObject({
    kind: z.literal('sequence'),
    /** Largest difference between consecutive dialled numbers of a run (…0001, …0002, …0004 → steps 1 and 2). */
    maxStep: z.int().min(1).max(1000).default(10),
    /**
     * Only fire when at least `minShare` of the run's calls lasted at most `maxBillSec`: an enumerator hangs up or
     * is not answered, a sales team working a purchased list talks on most calls.
     */
    shortCalls: z.strictObject({ maxBillSec: z.int().min(0), minShare: z.number().min(0).max(1) }).optional(),
  }),
  /** Thresholds are percentages of the profile's daily international quota (minutes and/or cost). */
  z.strictObject({ kind: z.literal('dailyQuota') }),
  /** The key's running total of cost or billed minutes over the local calendar day. */
  z.strictObject({ kind: z.literal('dailyTotal'), of: z.enum(['cost', 'minutes']) }),
  /** Money spent within the sliding window (BRL; CDR cost, else the rate table's estimate), by call end. */
  z.strictObject({
    kind: z.literal('sum'),
    of: z.literal('cost'),
    /** Only fire once the window's calls reached this many distinct numbers (one number redialled is a conversation). */
    minDistinct: z.int().min(2).max(20).optional(),
  }),
  /** Thresholds are percentages of the profile's money caps (daily and/or monthly, local day and month), all outbound cost. */
  z.strictObject({ kind: z.literal('moneyCap') }),
  rangeScoreSpec,
]);
export type MeasureSpec = z.infer<typeof measureSpec>;

export const blockSpec = z.strictObject({
  /** Measure value from which the block is issued; defaults to the critical threshold. */
  at: positive.optional(),
  /** A fixed first duration (escalating for repeat offenders), or until local midnight / the next business hour. */
  duration: duration.optional(),
  until: z.enum(BLOCK_UNTIL).optional(),
  scope: z.enum(BLOCK_SCOPES).default('all'),
  escalate: z.boolean().default(true),
  /**
   * `warn`: when the subject is a site shared by several established callers (an office NAT address), the rule
   * only warns: it neither blocks the whole site nor raises a critical alert; the offending callers' and the
   * account's own rules block them.
   */
  sharedSite: z.enum(['block', 'warn']).default('block'),
});

/**
 * A graded answer before the block (issue 16 item 7, G1): from the warn threshold until the block, the rule's
 * subject may place `calls` calls per `per` (block-check answers `throttle`, then `block` beyond the rate) for `for`.
 */
export const throttleSpec = z.strictObject({
  calls: z.int('must be a whole number of calls').min(1, 'must be at least 1 call').max(1000, 'must be at most 1000 calls'),
  per: duration,
  for: duration,
  scope: z.enum(BLOCK_SCOPES).default('all'),
});

export const ruleSpec = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and hyphens'),
    description: z.string().min(1),
    enabled: z.boolean().default(true),
    /**
     * What the rule counts: `cdr` (finished calls, in the stream processor) or `attempt` (every block-check the
     * PBX makes before routing a call, in the API: EV12, EV13 block a burst before any CDR exists).
     */
    on: z.enum(['cdr', 'attempt']).default('cdr'),
    cites: z.array(z.string().regex(/^[A-Z]{1,3}\d{1,3}$/, 'must be a REQUIREMENTS id such as EV06')).min(1),
    match: matchSpec.default({}),
    key: z.enum(KEY_KINDS),
    /** Digits of the E.164 number (after +) that make a destination prefix: 4 → +2917. */
    prefixDigits: z.int().min(1).max(15).optional(),
    /** Whose number a destination or destPrefix key reads: the callee, or the caller (the outside party of an inbound call: Wangiri). */
    party: z.enum(['callee', 'caller']).default('callee'),
    /** While the rule alerts on a destPrefix subject, that range is hot for the tenant this long (match `hot`, rangeScore). */
    hotRange: z.strictObject({ for: duration }).optional(),
    measure: measureSpec,
    window: duration.optional(),
    thresholds: z
      .strictObject({ warn: threshold.optional(), critical: threshold.optional() })
      .refine((t) => t.warn !== undefined || t.critical !== undefined, 'give warn, critical or both')
      .refine((t) => t.warn === undefined || t.critical === undefined || (floorOf(t.warn) as number) <= (floorOf(t.critical) as number), 'warn must not exceed critical'),
    /**
     * Thresholds given as { floor, factor } scale with the subject's own usage (G3): its learned peak of this
     * measure around this hour on earlier days of the same class. Until such a day is learned, `learned` keeps the
     * floors; `site` uses the busiest of today's earlier hours, and in a site's first hour its size (callers, or
     * accounts for a distinct-accounts measure, established behind the IP or account for a minute: velocity behind
     * NAT is known within minutes of a cold start); `peers` uses what the callers of the same
     * account reach around this hour, or in today's earlier hours (a new call-centre agent is judged by the agents).
     */
    baseline: z.enum(['learned', 'site', 'peers', 'dailyCost']).optional(),
    /** After an alert, the same rule and subject stay quiet this long (default: the window). */
    cooldown: duration.optional(),
    block: blockSpec.optional(),
    throttle: throttleSpec.optional(),
  })
  .check((ctx) => {
    const r = ctx.value;
    const fail = (path: (string | number)[], message: string) => ctx.issues.push({ code: 'custom', input: r, path, message });
    const relative = [r.thresholds.warn, r.thresholds.critical].some((t) => typeof t === 'object');
    if (relative && r.baseline === undefined) fail(['baseline'], 'is required when a threshold has a factor');
    if (r.baseline !== undefined && !relative) fail(['thresholds'], 'give { floor, factor } for a threshold to scale with the baseline');
    if (r.baseline !== undefined && r.key !== 'caller' && r.key !== 'account' && r.key !== 'ip') fail(['baseline'], 'is learned for caller, account or ip keys');
    if (r.baseline === 'peers' && r.key !== 'caller') fail(['baseline'], 'peers are the callers of an account: use it with key caller');
    if (r.block?.sharedSite === 'warn' && (r.baseline !== 'site' || r.key !== 'ip')) fail(['block', 'sharedSite'], 'applies to key ip with baseline site');
    if (r.baseline === 'dailyCost' && r.key !== 'account') fail(['baseline'], "dailyCost is the account's learned daily cost: use it with key account");
    if (r.measure.kind === 'moneyCap' && r.key !== 'account') fail(['key'], 'money caps are per account: use key account');
    if (r.block?.until === 'capPeriod' && r.measure.kind !== 'moneyCap') fail(['block', 'until'], 'capPeriod is the period of a money cap: use it with measure moneyCap');
    if (r.key === 'destCountry' && r.block) fail(['block'], 'a destination country is alerted on, never blocked whole');
    if (r.measure.kind === 'dailyQuota' || r.measure.kind === 'dailyTotal' || r.measure.kind === 'moneyCap') {
      if (r.window !== undefined) fail(['window'], `a ${r.measure.kind} rule counts per local day; remove window`);
    } else if (r.window === undefined) fail(['window'], 'is required');
    if (r.key === 'destPrefix' && r.prefixDigits === undefined) fail(['prefixDigits'], 'is required when key is destPrefix');
    if (r.block && (r.block.duration === undefined) === (r.block.until === undefined)) {
      fail(['block'], 'give exactly one of duration or until');
    }
    if (r.block && r.block.at === undefined && r.thresholds.critical === undefined) fail(['block', 'at'], 'is required without a critical threshold');
    if (r.hotRange && r.key !== 'destPrefix') fail(['hotRange'], 'marks a destination range: use it with key destPrefix');
    if (r.party === 'caller' && r.key !== 'destPrefix' && r.key !== 'destination') fail(['party'], 'applies to destination and destPrefix keys');
    if (r.throttle) checkThrottle(r.throttle, r, fail);
  });
export type RuleSpec = z.output<typeof ruleSpec>;

function checkThrottle(t: z.output<typeof throttleSpec>, r: Pick<RuleSpec, 'thresholds' | 'key' | 'block'>, fail: (path: (string | number)[], message: string) => void): void {
  if (r.thresholds.warn === undefined) fail(['throttle'], 'is issued at the warn threshold: give thresholds.warn');
  if (r.key === 'destCountry') fail(['throttle'], 'a destination country is alerted on, never throttled whole');
  if (r.block?.sharedSite === 'warn') fail(['throttle'], 'a shared site is only warned about: remove throttle or block.sharedSite');
  const per = parseDuration(t.per) as number;
  if (per === 0) fail(['throttle', 'per'], 'must be longer than 0s');
  if ((parseDuration(t.for) as number) < Math.max(per, 1)) fail(['throttle', 'for'], `must be at least per (${t.per})`);
  if (!r.block) return;
  // the block supersedes (lifts) the throttle: a wider throttle would end calls it held that the block lets through
  if (t.scope === 'all' && r.block.scope === 'international') {
    fail(['throttle', 'scope'], 'must not be wider than block.scope (international): the block would lift the throttle of national calls');
  }
  const blockAt = r.block.at ?? floorOf(r.thresholds.critical);
  const warn = floorOf(r.thresholds.warn);
  if (warn !== undefined && blockAt !== undefined && warn >= blockAt) {
    fail(['thresholds', 'warn'], `must be below the block threshold (${blockAt}): the throttle would never be issued`);
  }
  // max(floor, factor × baseline): below the block at every baseline only if it scales strictly slower (block.at
  // scales with the critical threshold: limits.ts)
  const warnFactor = factorOf(r.thresholds.warn);
  const criticalFactor = factorOf(r.thresholds.critical);
  const blockFactor = r.block.at === undefined || criticalFactor === 0 ? criticalFactor : (criticalFactor * r.block.at) / (floorOf(r.thresholds.critical) as number);
  if (warnFactor > 0 && warnFactor >= blockFactor) {
    fail(
      ['thresholds', 'warn'],
      `must scale slower than the block threshold (factor ${warnFactor} >= ${blockFactor}): for a busy subject the throttle would never be issued`,
    );
  }
}

/** A rules file: CDR and attempt rules, signalling rules over security events (issue 18), or both. */
export const ruleFileSpec = z
  .strictObject({ rules: z.array(ruleSpec).min(1).optional(), signalling: z.array(signallingRuleSpec).min(1).optional() })
  .refine((f) => f.rules !== undefined || f.signalling !== undefined, 'give rules, signalling or both');
