import { z } from 'zod';
import { isTimeZone } from '../calendar/local-time.js';
import { DURATION_PATTERN } from './duration.js';

/** `rules/profiles.yaml`: per-tenant and per-account profiles (F1-F3, G4, G5), validated with zod. */
const region = z.string().regex(/^(?:[A-Z]{2}|001)$/, 'must be an ISO 3166 alpha-2 code or 001');
export const timeZoneSpec = z.string().refine(isTimeZone, 'must be an IANA time zone such as America/Sao_Paulo');
const hhmm = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const hourRange = z
  .string()
  .regex(/^\d\d:\d\d-\d\d:\d\d$/, 'must be a range such as 08:00-18:00')
  .refine((r) => r.split('-').every((p) => hhmm.test(p) || p === '24:00'), 'hours are 00:00 to 24:00')
  .refine((r) => {
    const [a, b] = r.split('-');
    return (a ?? '') < (b ?? '');
  }, 'must end after it starts');
const isoDate = z.iso.date({ message: 'must be a date such as 2026-12-24' });
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export const internationalSpec = z
  .strictObject({
    /** deny (F1 default) | allow (optionally limited to `countries`, F3) | quota (daily quota, F2). */
    policy: z.enum(['deny', 'allow', 'quota']),
    countries: z.array(region).min(1).optional(),
    quota: z
      .strictObject({ minutes: z.number().positive().optional(), cost: z.number().positive().optional() })
      .refine((q) => q.minutes !== undefined || q.cost !== undefined, 'give minutes, cost or both')
      .optional(),
  })
  .refine((i) => i.policy !== 'quota' || i.quota !== undefined, { message: 'policy quota needs a quota', path: ['quota'] });

export const calendarSpec = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  hours: z.array(hourRange).min(1).default(['08:00-18:00']),
  /** Brazilian national holidays (with Carnival and Corpus Christi when `optionalHolidays`). */
  brazilianHolidays: z.boolean().default(true),
  optionalHolidays: z.boolean().default(true),
  /** Tenant-specific closed dates (municipal holidays, collective leave). */
  closedDates: z.array(isoDate).default([]),
});

export const dialPlanSpec = z.strictObject({
  homeCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  defaultDdd: z
    .string()
    .regex(/^[1-9][1-9]$/, 'must be a two-digit DDD')
    .optional(),
  outsideLinePrefix: z
    .string()
    .regex(/^\d{1,2}$/)
    .optional(),
  internationalPrefix: z
    .string()
    .regex(/^\d{2,4}$/)
    .optional(),
});

const cidrOrIp = z.string().regex(/^[0-9A-Fa-f:.]+(?:\/\d{1,3})?$/, 'must be an IP address or CIDR');
const e164Prefix = z.string().regex(/^\+\d{1,15}$/, 'must be an E.164 prefix such as +2917');
export const listsSpec = z.strictObject({
  callers: z.array(e164Prefix).default([]),
  accounts: z.array(z.string().min(1)).default([]),
  ips: z.array(cidrOrIp).default([]),
  destinations: z.array(e164Prefix).default([]),
});
const listPair = z.strictObject({ allow: listsSpec.optional(), deny: listsSpec.optional() });

/** Money caps (BRL) on an account's outbound cost per local day and month; each field inherits on its own. */
export const capsSpec = z
  .strictObject({ daily: z.number().positive('must be positive').optional(), monthly: z.number().positive('must be positive').optional() })
  .refine((c) => c.daily === undefined || c.monthly === undefined || c.daily <= c.monthly, 'daily must not exceed monthly');
const durationSpec = z.string().regex(DURATION_PATTERN, 'must be a duration such as 1m or 15m');
/**
 * Live concurrent calls of one account (issue 16, F2 G3): hard caps that block-check enforces while the calls are
 * up, and a graded answer below them. Each field overrides the level above; unset caps do not apply.
 */
export const concurrencySpec = z.strictObject({
  /** Calls of one account up at once (every kind). */
  max: z.int().positive().optional(),
  /** International calls of one account up at once. */
  international: z.int().positive().optional(),
  /**
   * Above max(floor, factor × the account's usual peak of live international calls) and below the cap, the
   * account's international calls are throttled to `calls` per `per` for `for`.
   */
  throttle: z
    .strictObject({
      floor: z.int().positive(),
      factor: z.number().min(1),
      calls: z.int().positive(),
      per: durationSpec,
      for: durationSpec.default('15m'),
    })
    .optional(),
});

const profileBody = {
  timeZone: timeZoneSpec.optional(),
  caps: capsSpec.optional(),
  dialPlan: dialPlanSpec.optional(),
  international: internationalSpec.optional(),
  calendar: calendarSpec.optional(),
  concurrency: concurrencySpec.optional(),
};
export const accountProfileSpec = z.strictObject(profileBody);
export const tenantProfileSpec = z.strictObject({
  ...profileBody,
  lists: listPair.optional(),
  accounts: z.record(z.string().min(1), accountProfileSpec).default({}),
});
export const profilesFileSpec = z.strictObject({
  defaults: z.strictObject(profileBody).default({}),
  lists: listPair.optional(),
  tenants: z.record(z.string().min(1), tenantProfileSpec).default({}),
  /** Repeat-offender ladder: the n-th block of a subject within `within` lasts ladder[n-1] (last step repeats). */
  escalation: z
    .strictObject({
      ladder: z.array(z.string().regex(DURATION_PATTERN)).min(1).default(['5m', '1h', '24h']),
      within: z.string().regex(DURATION_PATTERN).default('24h'),
    })
    .default({ ladder: ['5m', '1h', '24h'], within: '24h' }),
});
export type ProfilesFile = z.output<typeof profilesFileSpec>;
export type InternationalSpec = z.output<typeof internationalSpec>;
export type CalendarSpec = z.output<typeof calendarSpec>;
export type ListsSpec = z.output<typeof listsSpec>;
export type CapsSpec = z.output<typeof capsSpec>;
export type ConcurrencySpec = z.output<typeof concurrencySpec>;
