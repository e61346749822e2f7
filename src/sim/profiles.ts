import { profilesFileSpec } from '../domain/rules/profile-spec.js';
import { officeCaps, type Caps } from './caps.js';
import { DESK_COUNTRIES } from './legit-extra.js';
import type { Population, Site } from './population.js';

type Json = Record<string, unknown>;

/**
 * The profiles (rules/profiles.yaml schema) the simulated traffic assumes: each tenant's home DDD; call centres
 * open Monday-Saturday 08-20, SIP-trunk PBXs around the clock; the international policy of intl-office accounts;
 * per-account dial plans where a site dials with an outside-line 0 or sits in another DDD. `base` is the rules
 * directory's own profiles file: its escalation ladder, global lists and any other top-level keys are kept.
 */
export function simulatedProfiles(
  pop: Population,
  timeZone: string,
  base: Json = {},
  open: ReadonlySet<Site> = new Set(),
  episodeCaps: ReadonlyMap<string, Caps> = new Map(),
): Json {
  const tenants: Json = {};
  for (const t of pop.tenants) {
    const accounts: Json = {};
    for (const site of pop.sites.filter((s) => s.tenant === t.spec.name)) {
      const profile = accountProfile(site, t.spec.ddd, open.has(site), episodeCaps.get(`${site.tenant}/${site.account}`));
      if (Object.keys(profile).length > 0) accounts[site.account] = profile;
    }
    tenants[t.spec.name] = { dialPlan: { defaultDdd: t.spec.ddd }, accounts };
  }
  // the rules directory's live-call and money settings stay in force: the simulated operator keeps the shipped ones
  const shipped = (base['defaults'] ?? {}) as Json;
  const file = {
    ...base,
    defaults: {
      ...(shipped['concurrency'] ? { concurrency: shipped['concurrency'] } : {}),
      ...(shipped['caps'] ? { caps: shipped['caps'] } : {}),
      timeZone,
      dialPlan: { homeCountry: 'BR' },
      international: { policy: 'deny' },
      calendar: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: ['08:00-18:00'], brazilianHolidays: true, optionalHolidays: true, closedDates: [] },
    },
    tenants,
  };
  profilesFileSpec.parse(file); // a generator bug must not reach the replay as a RULES_INVALID
  return file;
}

/** `open`: an office whose international calls are allowed to every country (an old contract's default). */
function accountProfile(site: Site, tenantDdd: string, open: boolean, episodeCaps: Caps | undefined): Json {
  const p: Json = {};
  const dialPlan: Json = {};
  if (site.ddd !== tenantDdd) dialPlan['defaultDdd'] = site.ddd;
  if (site.dialStyle === 'outside-line') dialPlan['outsideLinePrefix'] = '0';
  if (Object.keys(dialPlan).length > 0) p['dialPlan'] = dialPlan;
  if (site.kind === 'call-centre') p['calendar'] = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], hours: ['08:00-20:00'] };
  if (site.kind === 'sip-trunk')
    p['calendar'] = { days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], hours: ['00:00-24:00'], brazilianHolidays: false, optionalHolidays: false };
  // the call centre's international retention desk (legit-extra.ts)
  if (site.kind === 'call-centre') {
    p['international'] = { policy: 'allow', countries: [...DESK_COUNTRIES] };
    // the operator sizes a call centre's live-call limits to its international desk (15-25 agents), as it would
    p['concurrency'] = { international: 40, throttle: { floor: 30, factor: 2, calls: 2, per: '1m' } };
  }
  if (open) p['international'] = { policy: 'allow' };
  const caps = episodeCaps ?? (open ? undefined : officeCaps(site));
  if (caps) p['caps'] = { ...caps };
  const intl = site.intl;
  if (intl) {
    p['international'] =
      intl.policy === 'quota'
        ? { policy: 'quota', countries: [...intl.countries], quota: { ...intl.quota } }
        : { policy: 'allow', countries: [...intl.countries] };
  }
  return p;
}
