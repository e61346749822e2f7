import type { Call } from './calls.js';
import type { Allocator, Population } from './population.js';
import type { Rng } from './prng.js';
import type { SimDay } from './time.js';

/** Share of offices and sales teams with extensions that work from home some days. */
const REMOTE_SITES = 0.3;
/** Chance that such an extension works from home on a given business day. */
const HOME_DAY = 0.35;
const DAY_MS = 86_400_000;

/**
 * Remote work: in some offices and sales teams one or two extensions work from home a day or two a week (a
 * softphone on the employee's home broadband, a Brazilian ISP's address in a network of its own), placing the
 * same calls as at the office while the office goes on calling. The legitimate look-alike of a credential takeover
 * (account-on-new-ip): one caller, their usual rate, from home.
 * Rewrites the source address of those days' outbound and internal calls in `calls`.
 */
export function remoteWork(rng: Rng, pop: Population, alloc: Allocator, days: readonly SimDay[], calls: Call[]): void {
  const home = new Map<string, { readonly ip: string; readonly days: readonly number[] }>();
  for (const site of pop.sites) {
    if (!(site.kind === 'sme-office' || site.kind === 'intl-office' || site.kind === 'sales-team') || !rng.chance(REMOTE_SITES)) continue;
    for (const line of rng.sample(site.lines, Math.min(site.lines.length, rng.int(1, 2)))) {
      const ip = alloc.ip();
      const from = days.filter((d) => d.type === 'business' && rng.chance(HOME_DAY)).map((d) => d.start);
      if (from.length > 0) home.set(`${site.tenant}/${site.account}/${line.did}`, { ip, days: from });
    }
  }
  for (const [i, call] of calls.entries()) {
    if (call.episode !== undefined || call.direction === 'inbound') continue;
    const plan = home.get(`${call.tenant}/${call.account}/${call.caller}`);
    if (plan?.days.some((start) => call.start >= start && call.start < start + DAY_MS)) calls[i] = { ...call, srcIp: plan.ip };
  }
}
