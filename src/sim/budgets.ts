import { z } from 'zod';

/**
 * Detection budgets: how much of an episode may happen before the first detecting verdict, per episode type.
 * Two paths, either is enough:
 * - CDRs: the first critical alert or block on an acceptable subject was emitted when at most `cdrs` of the
 *   episode's CDRs (file order) and at most R$ `cost` of its true cost had arrived (each limit only when set);
 * - attempts (replay --attempts): block-check refused one of the episode's outbound calls at or before its
 *   `attempts`-th outbound call (start order): the call that exceeds a cap, the first callback…
 * Numbers come from the rules each type was shaped for (their thresholds), or for the types built to slip under
 * counts, from what an operator would accept losing (README "Detection quality").
 */
export const budgetSchema = z.strictObject({
  cdrs: z.int().min(0).optional(),
  cost: z.number().min(0).optional(),
  attempts: z.int().min(1).optional(),
  /** Why this budget, in a few words. */
  why: z.string().optional(),
});
export type Budget = z.infer<typeof budgetSchema>;

export const BUDGETS: Readonly<Record<string, Budget>> = {
  'velocity-burst': { cdrs: 6, attempts: 6, why: 'velocity-caller: 5 distinct numbers in 60 s' },
  'account-burst': { cdrs: 40, why: 'velocity-account: 30 calls in 60 s (or the callers at 5)' },
  'ip-flood': { cdrs: 6, attempts: 6, why: 'velocity-ip: 5 calls in 60 s from an unknown address' },
  'credential-stuffing': { cdrs: 6, why: 'credential-stuffing: the 3rd account on one address' },
  'out-of-profile': { cdrs: 5, attempts: 1, why: 'the profile denies international: refused at once; the rule at 5' },
  // each simulated episode writes the CDR with which it crosses its victim's quota instead (fraud-classic.ts)
  'quota-exhaustion': { cdrs: 10, why: 'international-daily-quota: the call that crosses 100 %' },
  'off-hours-international': { cdrs: 5, why: 'off-hours-international: 4 in an hour' },
  'premium-rate': { cdrs: 2, attempts: 1, why: 'the profile denies premium rate; premium-destination blocks at the 2nd' },
  'war-dialling': { cdrs: 6, why: 'sequential-dialling: a run of 5' },
  'traffic-pumping': { cdrs: 25, why: 'traffic-pumping: 20 callers to one prefix (or a listed range at once)' },
  'spread-extensions': { cost: 400, why: 'international-spend-spike: R$ 300 a day' },
  'slow-drip': { cdrs: 10, attempts: 1, why: 'the profile denies international; out-of-profile at 5 in an hour' },
  'night-attack': { cost: 400, attempts: 1, why: 'the profile denies international; spend spike at R$ 300' },
  'holiday-attack': { cdrs: 5, why: 'off-hours-international: 4 in an hour on a closed day' },
  'long-irsf': { cdrs: 2, attempts: 1, why: 'listed IRSF numbers are premium: refused at once, premium-destination at the 2nd CDR' },
  'allowed-country-surge': { cost: 400, why: 'international-spend-spike: R$ 300 a day' },
  'foreign-ip-takeover': { cdrs: 10, why: 'account-on-new-ip: 10 calls from a new address' },
  'compromised-extension': { cdrs: 4, attempts: 1, why: 'premium-rate and international denied: refused at once; premium-destination at the 2nd' },
  'irsf-test-then-burst': { cdrs: 5, why: 'the burst to the tested range blocked at its first calls (test call + 4)' },
  'short-call-pumping': { cdrs: 10, why: 'many numbers of one high-cost range in minutes: blocked within 10 calls' },
  wangiri: { cost: 0, attempts: 1, why: 'the range blocked before any callback cost money, or the first callback refused' },
  'concurrent-long-calls': { attempts: 10, why: 'live concurrency: refused by the 10th simultaneous call (the CDRs arrive 1-2 h later)' },
  'cost-exposure': { cost: 150, why: 'exposure over the account learned daily cost: within about an hour of the drain' },
  'invalid-numbers': { cdrs: 10, why: 'invalid or unallocated numbers: blocked within 10 calls' },
  // each simulated episode writes its victim's own cap instead (fraud-cap.ts); this is for hand-made labels
  'money-cap': { cost: 150, why: 'money-cap: blocked by the call that crosses the daily cap (the smallest simulated cap)' },
};
