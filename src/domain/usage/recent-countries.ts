/**
 * Countries a familiar account began dialling recently (G3, novelty `recentCountry`): `country` novelty marks only
 * the first call to a country, so a drain's 2nd, 3rd… calls looked familiar. Kept only for the few countries an
 * account newly dials (most accounts: none, no allocation); a country stays recent for RECENT_COUNTRY_MS after
 * its first call.
 */
export const RECENT_COUNTRY_MS = 86_400_000;
/**
 * A country is new to an account watched for this long without dialling it: a working day shows an office's
 * destinations (`country` novelty waits a whole day; a deployment's first evening would otherwise be blind).
 */
export const WATCHED_AFTER_MS = 8 * 3_600_000;
/** At most this many recent countries per account: an account dialling more new countries a day is no drain. */
const MAX_RECENT = 8;

/** Flat [region, since, region, since…], newest first. */
export type RecentCountries = (string | number)[];

/** Records `region` as first dialled at `t` (kept: the earliest time, a late CDR may come first). */
export function rememberCountry(recent: RecentCountries | undefined, region: string, t: number): RecentCountries {
  const list = recent ?? [];
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] !== region) continue;
    if (t < (list[i + 1] as number)) list[i + 1] = t;
    return list;
  }
  list.unshift(region, t);
  if (list.length > 2 * MAX_RECENT) list.length = 2 * MAX_RECENT;
  return list;
}

/** Whether `region` was first dialled within RECENT_COUNTRY_MS before `t` (a late CDR before it counts too). */
export function isRecentCountry(recent: RecentCountries | undefined, region: string, t: number): boolean {
  if (recent === undefined) return false;
  for (let i = 0; i < recent.length; i += 2) if (recent[i] === region) return (recent[i + 1] as number) > t - RECENT_COUNTRY_MS;
  return false;
}

/** Drops the countries first dialled before `horizon`; undefined when none is left. */
export function forgetCountries(recent: RecentCountries | undefined, horizon: number): RecentCountries | undefined {
  if (recent === undefined) return undefined;
  let kept = 0;
  for (let i = 0; i < recent.length; i += 2) {
    if ((recent[i + 1] as number) <= horizon) continue;
    recent[kept] = recent[i] as string;
    recent[kept + 1] = recent[i + 1] as number;
    kept += 2;
  }
  recent.length = kept;
  return kept === 0 ? undefined : recent;
}
