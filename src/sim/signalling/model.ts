import type { SecurityEvent } from '../../domain/signalling/event.js';

/**
 * Labelled security events of a simulated operator (issue 18's measurement): every event is legitimate or part of
 * one attack episode, and every address is labelled by what sits behind it.
 *
 * Attack kinds (each in paces; `slow` ones are shaped like the attacks that stay under per-minute counts):
 * - svwar-range: SIPVicious svwar REGISTERing extensions 100-999 in order (unknown-user per extension)
 * - svwar-dictionary: svwar with a list of names (admin, test, 1000, operator…)
 * - svcrack: SIPVicious svcrack guessing the password of one real extension from one IP (auth-failed per guess)
 * - distributed-bruteforce: one real extension guessed from a botnet, 1-3 tries per IP
 * - credential-stuffing: leaked user/password pairs of many real extensions tried from 1-3 IPs, 1-2 tries each
 * - flood-register, flood-options: one message replayed, flood-sample events as deploy/kamailio/security.cfg emits them
 * - svmap-probe: an internet-wide svmap sweep: 1-3 OPTIONS with a scanner's user agent (alerted, never blocked by design)
 * - inside-nat-scan: svwar/svcrack from a compromised PC behind a known office's NAT (its address is also legit)
 */
export const SIG_ATTACK_KINDS = [
  'svwar-range',
  'svwar-dictionary',
  'svcrack',
  'distributed-bruteforce',
  'credential-stuffing',
  'flood-register',
  'flood-options',
  'svmap-probe',
  'inside-nat-scan',
] as const;
export type SigAttackKind = (typeof SIG_ATTACK_KINDS)[number];
export type Pace = 'fast' | 'medium' | 'slow';

/**
 * Legitimate incidents that produce failures (what the rules must not block):
 * - stale-password: a phone whose password changed keeps retrying every 30-120 s until someone fixes it
 * - password-typo: a person typing a wrong password a few times into a softphone
 * - site-outage: a site's link down for minutes to hours, then every phone registering at once (sometimes from a new address)
 * - password-change: the PBX password of a site changed: each phone fails 1-3 times until reprovisioned
 * - new-phone-wrong-password: a new phone (not yet known anywhere) provisioned with a wrong password
 * - batch-provisioning: a new batch of 3-12 phones at a site with a template's wrong password
 * - monitor-options: the operator's monitoring system pinging the PBX with OPTIONS as an unknown user
 */
export const LEGIT_INCIDENTS = [
  'stale-password',
  'password-typo',
  'site-outage',
  'password-change',
  'new-phone-wrong-password',
  'batch-provisioning',
  'monitor-options',
] as const;
export type LegitIncident = (typeof LEGIT_INCIDENTS)[number];

/** What sits behind a legitimate address: an office NAT, a mobile carrier's CGNAT, the operator's monitor. */
export type AddressKind = 'office' | 'cgnat' | 'monitor';

/** One simulated event with its label: `episode` set for attack events, `incident` for legit failures. */
export interface SimEvent {
  readonly event: SecurityEvent;
  readonly episode?: string;
  readonly incident?: LegitIncident;
}

export interface SigEpisode {
  readonly id: string;
  readonly kind: SigAttackKind;
  readonly pace: Pace;
  readonly tenant: string;
  readonly description: string;
  readonly startsAt: number;
  readonly endsAt: number;
  /** Every address the attacker sent from (an inside-nat-scan's is a legit office's address too). */
  readonly attackerIps: readonly string[];
  readonly userAgent: string;
  /** The user agent is a real phone's, chosen to hide the scanner. */
  readonly spoofedAgent: boolean;
  readonly events: number;
}

export interface LegitAddress {
  readonly ip: string;
  readonly kind: AddressKind;
  /** Whether the operator put it in the allow list (monitors only). */
  readonly allowListed: boolean;
}

export interface SigLabels {
  readonly seed: number;
  readonly days: number;
  readonly start: number;
  readonly end: number;
  readonly tenants: readonly string[];
  readonly episodes: readonly SigEpisode[];
  readonly addresses: readonly LegitAddress[];
  /** Legit incidents by kind (how many were simulated). */
  readonly incidents: Readonly<Record<LegitIncident, number>>;
}
