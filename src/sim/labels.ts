import { z } from 'zod';
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
] as const;
export type EpisodeType = (typeof EPISODE_TYPES)[number];

export const SUBJECT_KINDS = ['caller', 'account', 'ip', 'destination', 'destPrefix'] as const;
const instant = z.iso.datetime({ offset: true });

export const labelSubjectSchema = z.strictObject({ kind: z.enum(SUBJECT_KINDS), value: z.string().min(1) });
export type LabelSubject = z.infer<typeof labelSubjectSchema>;

export const episodeSchema = z.strictObject({
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
});
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
