import { z } from 'zod';
import { budgetSchema } from './budgets.js';
import { POPULATION_KINDS } from './config.js';

/**
 * labels.json: the ground truth `sentinela simulate` writes next to cdrs.ndjson and `sentinela evaluate` scores
 * verdicts against.
 *
 * Episode types (each aimed at the shipped rules named, or at none when it is shaped to slip under them):
 * - velocity-burst: one compromised extension, 8-14 calls within a minute (velocity-caller)
 * - account-burst: a hacked office PBX, 35-45 calls a minute over many extensions (velocity-account)
 * - ip-flood: the attacker's own IP, 6-9 calls a minute on stolen extensions (velocity-ip)
 * - credential-stuffing: one attacker IP using 3-5 accounts' credentials within minutes (credential-stuffing)
 * - out-of-profile: international calls from an account whose profile denies them (international-out-of-profile)
 * - quota-exhaustion: long calls to an allowed country up to 1.5-2.5 times the daily quota (international-daily-quota)
 * - off-hours-international: 6-12 international calls in an hour at night (off-hours-call, off-hours-international)
 * - premium-rate: Brazilian 0900/0500 premium numbers (premium-destination)
 * - war-dialling: consecutive numbers, unanswered or a few seconds (sequential-dialling)
 * - traffic-pumping: 25-50 spoofed callers to one IRSF prefix, 0-6 s calls (traffic-pumping)
 * - spread-extensions: 10-16 extensions of one account, each under 5 calls a minute, the account under 30
 * - slow-drip: one international call every 2-5 minutes for hours
 * - night-attack: long international calls at night, at most 3 in any hour
 * - holiday-attack: international calls on a national holiday's daytime (off-hours-international)
 * - long-irsf: 3-5 parallel IRSF calls of 1-2 h: their CDRs arrive only when they end (premium-destination)
 * - allowed-country-surge: an allow-list account calling its allowed countries at 10x its usual volume
 * - foreign-ip-takeover: an account used from a brand-new foreign IP, national calls at a modest rate
 * - compromised-extension: an office extension (the office's NAT IP) calling IRSF and unlisted expensive countries (premium-destination)
 * Issue 16 (victims: "open" offices, international allowed everywhere and CDRs without cost; ranges on no list):
 * - irsf-test-then-burst: one short test call to a high-cost African mobile range, ~1 h later 30-40 short calls to it
 * - short-call-pumping: 40 answered 1-3 s calls from two extensions to 40 numbers of one high-cost range in 10 min
 * - wangiri: 30-60 one-ring inbound calls from one range to DIDs of 3-5 companies, then 15-30 % called back
 * - concurrent-long-calls: 22-28 simultaneous 1-2 h calls on one account (their CDRs arrive when they end)
 * - cost-exposure: 2-3 calls an hour of 6-15 min to a high-cost range over an evening, far above the usual spend
 * - invalid-numbers: 30-50 calls to invalid or unallocated numbers, failed at once (scanning for routes)
 * - money-cap: call selling through a hijacked office PBX, national calls on many channels in working hours, until
 *   the office's daily money cap (profiles `caps`, src/sim/caps.ts) is crossed
 *
 * Legitimate populations (labels' `population` is the site kind; these live inside them):
 * - sme-office: national calls, redials, on-call staff; a few typos a week (invalid numbers, failed at once);
 *   "open" offices (international allowed everywhere, own PBX exporting no cost) also have expats calling family
 *   (the same 1-3 mobile numbers in Africa or Latin America, 10-40 min) and clients abroad who ring, sometimes
 *   hang up after a few seconds, and are called back within hours;
 * - intl-office: quota and allow-list accounts calling their countries; clients abroad calling in;
 * - call-centre: 30-120 agents on one account and address, plus an international retention desk of 15-25
 *   agents placing 10-40 min calls to its allowed countries at once (15-25 simultaneous international calls);
 * - sales-team: purchased lists dialled in sequence, and a daily quick-call hour (many 1-5 s answered calls);
 * - sip-trunk, carrier-inbound: as before.
 */
export const EPISODE_TYPES = [
  'velocity-burst',
  'account-burst',
  'ip-flood',
  'credential-stuffing',
  'out-of-profile',
  'quota-exhaustion',
  'off-hours-international',
  'premium-rate',
  'war-dialling',
  'traffic-pumping',
  'spread-extensions',
  'slow-drip',
  'night-attack',
  'holiday-attack',
  'long-irsf',
  'allowed-country-surge',
  'foreign-ip-takeover',
  'compromised-extension',
  'irsf-test-then-burst',
  'short-call-pumping',
  'wangiri',
  'concurrent-long-calls',
  'cost-exposure',
  'invalid-numbers',
  'money-cap',
] as const;
export type EpisodeType = (typeof EPISODE_TYPES)[number];

export const SUBJECT_KINDS = ['caller', 'account', 'ip', 'destination', 'destPrefix'] as const;
const instant = z.iso.datetime({ offset: true });

export const labelSubjectSchema = z.strictObject({ kind: z.enum(SUBJECT_KINDS), value: z.string().min(1) });
export type LabelSubject = z.infer<typeof labelSubjectSchema>;

export const episodeSchema = z
  .strictObject({
    id: z.string().min(1),
    /** One of EPISODE_TYPES for simulated runs; any text is accepted so hand-made labels can add their own. */
    type: z.string().min(1),
    description: z.string(),
    tenant: z.string().min(1),
    startsAt: instant,
    endsAt: instant,
    /** Subjects whose block or critical alert is a correct response (never a shared office NAT address). */
    acceptable: z.array(labelSubjectSchema).min(1),
    /** The episode's fraud CDRs, in file order. */
    cdrIds: z.array(z.string().min(1)).min(1),
    /** Rules the episode was shaped for (empty: built to slip under the static thresholds). */
    targets: z.array(z.string()).default([]),
    /** How much of the episode may happen before detection (src/sim/budgets.ts); absent: the type's default, if any. */
    budget: budgetSchema.optional(),
    /** True cost (BRL) of each CDR, parallel to cdrIds: CDRs of exporters that write no cost still cost money. */
    cdrCosts: z.array(z.number().min(0)).optional(),
  })
  .refine((e) => e.cdrCosts === undefined || e.cdrCosts.length === e.cdrIds.length, { message: 'cdrCosts must be parallel to cdrIds', path: ['cdrCosts'] });
export type LabelEpisode = z.output<typeof episodeSchema>;

export const legitSubjectSchema = z.strictObject({
  tenant: z.string().min(1),
  kind: z.enum(['caller', 'account', 'ip']),
  value: z.string().min(1),
  population: z.enum(POPULATION_KINDS),
});
export type LegitSubject = z.infer<typeof legitSubjectSchema>;

/** A site's exporter was down: its CDRs that ended in [from, until) were delivered together at `until`. */
export const lateDeliverySchema = z.strictObject({
  tenant: z.string().min(1),
  account: z.string().min(1),
  ip: z.string().min(1),
  from: instant,
  until: instant,
  cdrIds: z.array(z.string().min(1)),
});
export type LateDelivery = z.infer<typeof lateDeliverySchema>;

export const labelsSchema = z.strictObject({
  version: z.literal(1),
  seed: z.int(),
  days: z.int().min(1),
  start: instant,
  end: instant,
  timeZone: z.string().min(1),
  population: z.record(z.string(), z.int().min(0)),
  episodes: z.array(episodeSchema),
  legitimate: z.array(legitSubjectSchema),
  lateDeliveries: z.array(lateDeliverySchema).default([]),
});
export type Labels = z.output<typeof labelsSchema>;
export type LabelsInput = z.input<typeof labelsSchema>;
