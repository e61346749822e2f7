import { forgetCountries, RECENT_COUNTRY_MS } from './recent-countries.js';
import { MINUTE_MS, RETENTION_MS, type AccountSite, type CallerSite, type IpSite, type Subject } from './subjects.js';

/** Subjects of one kind a usage book holds by default: about 600 bytes each (bench:engine), so ~300 MB a kind at most. */
export const DEFAULT_MAX_SUBJECTS = 500_000;

/**
 * Makes room in a full map of subjects, freeing a tenth of it at once (so the work is paid once per many calls).
 * Caller IDs and addresses are the caller's to choose: a flood of spoofed ones must not grow memory for the 30 days
 * a profile is kept, nor erase what was learned of real subjects. Those seen in one minute only go first (a spoofed
 * number calls once), the earliest first; then, if that was not enough, those idle the longest. Returns how many
 * it dropped.
 */
export function makeRoom<S extends Subject>(map: Map<string, S>, cap: number, beforeDrop?: (key: string, s: S) => void): number {
  const before = map.size;
  const target = cap - Math.max(1, Math.floor(cap / 10));
  const drop = (s: S, key: string) => {
    beforeDrop?.(key, s);
    map.delete(key);
  };
  map.forEach((s, key) => {
    if (map.size > target && s.firstMinute === s.lastMinute) drop(s, key);
  });
  const excess = map.size - target;
  if (excess <= 0) return before - map.size;
  const idle = new Float64Array(map.size);
  let i = 0;
  map.forEach((s) => void (idle[i++] = s.lastMinute));
  idle.sort();
  const cutoff = idle[excess - 1] as number;
  map.forEach((s, key) => {
    if (map.size > target && s.lastMinute <= cutoff) drop(s, key);
  });
  return before - map.size;
}

/** Forgets subjects idle for RETENTION_MS before `horizonOf(key)` (with their learned levels), and members as old. */
export function forgetIdle(
  ips: Map<string, IpSite>,
  accounts: Map<string, AccountSite>,
  callers: Map<string, CallerSite>,
  horizonOf: (key: string) => number,
): void {
  // forEach, not for…of: the entries iterator allocates an array per subject
  const forget = (site: Subject, key: string, map: Map<string, Subject>) => {
    if (site.lastMinute * MINUTE_MS < horizonOf(key) - RETENTION_MS) map.delete(key);
  };
  ips.forEach(forget);
  accounts.forEach(forget);
  callers.forEach(forget);
  ips.forEach((site, key) => {
    site.callers.trim(horizonOf(key) - RETENTION_MS);
    site.accounts.trim(horizonOf(key) - RETENTION_MS);
  });
  accounts.forEach((site, key) => {
    site.callers.trim(horizonOf(key) - RETENTION_MS);
    if (site.recentCountries !== undefined) site.recentCountries = forgetCountries(site.recentCountries, horizonOf(key) - RECENT_COUNTRY_MS);
  });
}
