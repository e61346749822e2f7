/**
 * EV03, per user name and source address: >= 5 failed logins within 1 min lock that name from that address.
 * Counting one address at a time keeps the lockout from being turned against a user from elsewhere, and an
 * unknown name is counted exactly like a known one.
 */
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_WINDOW_MS = 60_000;

/**
 * Where the failures that count for a lock start: the last minute, cut at the last success from the same
 * address and at the last unlock (each a fresh start).
 */
export function failureWindowStart(now: number, freshStarts: readonly (number | undefined)[]): number {
  return Math.max(now - LOCK_WINDOW_MS, ...freshStarts.map((t) => t ?? -Infinity));
}

export const locksNow = (failuresInWindow: number): boolean => failuresInWindow >= LOCK_AFTER_FAILURES;
