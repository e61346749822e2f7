import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../rules/duration.js';

/**
 * The stored form of a signalling rule (`signalling:` in a rules file): what it counts over the security events of
 * one source IP or one user name, and when the IP is blocked (EV01, EV02, EV11). Every measure is NAT-aware: at a
 * known site (an address its own users registered or called from), the failures of its known users do not count
 * toward the site's address, so phones re-registering together after an outage or a password change are not an attack.
 */
export const SIGNALLING_MEASURES = [
  /** Credential failures (auth-failed, registration-failed, unknown-user), summed per key (EV01 per ip, EV02 per user). */
  'failures',
  /** Distinct user names that failed from one IP (extension enumeration: 100, 101, 102… or a list of names). */
  'distinctUsers',
  /** Identical messages (flood-sample with one fingerprint), summed per IP and fingerprint (EV11). */
  'identical',
  /** scanner-signature events per IP: a weak signal, alerted on (a user agent is trivially changed). */
  'scanner',
] as const;
export type SignallingMeasure = (typeof SIGNALLING_MEASURES)[number];

const duration = z.string().regex(DURATION_PATTERN, 'must be a duration such as 60s, 5m or 1h');
const positive = z.number().positive('must be positive');

export const signallingRuleSpec = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and hyphens'),
    description: z.string().min(1),
    enabled: z.boolean().default(true),
    cites: z.array(z.string().regex(/^[A-Z]{1,3}\d{1,3}$/, 'must be a REQUIREMENTS id such as EV01')).min(1),
    measure: z.enum(SIGNALLING_MEASURES),
    /** Whose events are counted together: one source IP, or one user name (EV02: whichever IPs it fails from). */
    key: z.enum(['ip', 'user']),
    window: duration,
    thresholds: z
      .strictObject({ warn: positive.optional(), critical: positive.optional() })
      .refine((t) => t.warn !== undefined || t.critical !== undefined, 'give warn, critical or both')
      .refine((t) => t.warn === undefined || t.critical === undefined || t.warn <= t.critical, 'warn must not exceed critical'),
    /**
     * Events from a scanner's user agent (friendly-scanner, sipvicious…) count this many times: behaviour with a
     * scanner's name is blocked sooner, the name alone never blocks (1: the user agent is ignored).
     */
    scannerWeight: z.number().min(1).max(10).default(1),
    /**
     * At a known site, a known user failing up to this many times in the window is one of the site's own phones
     * with a stale password: not counted (0: every failure counts, as from anywhere else).
     */
    knownUserAllowance: z.int().min(0).max(100).default(3),
    /** After an alert, the same rule and subject stay quiet this long (default: the window). */
    cooldown: duration.optional(),
    /** The source IP(s) the counted events came from are blocked at the critical threshold. */
    block: z.strictObject({ duration }).optional(),
  })
  .check((ctx) => {
    const r = ctx.value;
    const fail = (path: string[], message: string) => ctx.issues.push({ code: 'custom', input: r, path, message });
    if ((parseDuration(r.window) as number) <= 0) fail(['window'], 'must be longer than 0s');
    if (r.block && r.thresholds.critical === undefined) fail(['block'], 'is issued at the critical threshold: give thresholds.critical');
    if (r.key === 'user' && r.measure !== 'failures') fail(['key'], `${r.measure} is counted per ip`);
    if (r.measure === 'scanner' && r.block) fail(['block'], 'a user agent alone is trivially changed: a scanner signature is alerted on, never blocked');
  });

export type SignallingRuleSpec = z.output<typeof signallingRuleSpec>;

/** A signalling rule with its durations in ms. */
export interface SignallingRule extends SignallingRuleSpec {
  readonly windowMs: number;
  readonly cooldownMs: number;
  readonly blockMs: number | undefined;
}

export function compileSignallingRule(spec: SignallingRuleSpec): SignallingRule {
  const windowMs = parseDuration(spec.window) as number;
  return {
    ...spec,
    windowMs,
    cooldownMs: spec.cooldown === undefined ? windowMs : (parseDuration(spec.cooldown) as number),
    blockMs: spec.block && (parseDuration(spec.block.duration) as number),
  };
}
