import { answered, failed, makeCall, outcome, type Call, type Outcome } from './calls.js';
import type { TrafficContext } from './legit-offices.js';
import { COUNTRIES, countryNumber, dialled, mobileNumber, nationalDdd, type Dest } from './numbering.js';
import type { Line, Site, Tenant } from './population.js';
import { billedAbroad, FAMILY_RANGES, invalidNumber, rangeNumber } from './ranges.js';
import { MINUTE, SECOND, at } from './time.js';

/**
 * Legitimate counterparts of the issue-16 attacks, so their rules' false positives are measured on what real
 * customers do. Each site draws from an rng of its own (simulate.ts), so this traffic shifts none of the rest.
 */

/** Countries a call centre's international retention desk calls (its profile allows them). */
export const DESK_COUNTRIES = ['AR', 'ES', 'PT', 'US'] as const;

const business = (ctx: TrafficContext) => ctx.days.filter((d) => d.type === 'business');

function push(
  ctx: TrafficContext,
  site: Site,
  line: Line,
  dest: Dest,
  start: number,
  o: Outcome,
  direction?: 'inbound',
  caller?: string,
  srcIp?: string,
): Call | undefined {
  if (start >= ctx.periodEnd) return undefined;
  const inbound = direction === 'inbound';
  const call = billedAbroad(
    makeCall(
      {
        tenant: site.tenant,
        account: site.account,
        caller: caller ?? line.did,
        callee: inbound ? line.did : dialled(ctx.rng, dest, site.dialStyle, site.ddd),
        dest: inbound ? { e164: line.did, digits: line.did.slice(3), cls: 'fixed', region: 'BR', tariff: 0 } : dest,
        srcIp: srcIp ?? site.ip,
        start,
        population: site.kind,
        ...(inbound ? { direction } : {}),
      },
      o,
    ),
  );
  ctx.out.push(call);
  return call;
}

/** Offices: a few typos a week (a digit short, an unallocated area code), refused by the network at once. */
export function typoTraffic(ctx: TrafficContext, site: Site): void {
  const days = business(ctx);
  for (let k = Math.round((ctx.rng.int(1, 4) * ctx.days.length) / 7); k > 0 && days.length > 0; k--) {
    const day = ctx.rng.pick(days);
    const o: Outcome = { ringSec: ctx.rng.int(0, 1), billSec: 0, disposition: 'FAILED' };
    push(ctx, site, ctx.rng.pick(site.lines), invalidNumber(ctx.rng, site.ddd, false), at(day, ctx.rng.between(8.5, 17.5)), o);
  }
}

/** Open offices: 1-2 employees from abroad calling the same 1-3 family mobiles, 10-40 min, at lunch or before leaving. */
export function familyTraffic(ctx: TrafficContext, site: Site): void {
  const { rng } = ctx;
  for (const line of rng.sample(site.lines, rng.int(1, 2))) {
    const range = rng.pick(FAMILY_RANGES);
    const family = Array.from({ length: rng.int(1, 3) }, () => rangeNumber(rng, range));
    for (const day of business(ctx)) {
      if (!rng.chance(0.5)) continue;
      const start = at(day, rng.chance(0.6) ? rng.between(12, 13.3) : rng.between(17, 17.5));
      const first = push(ctx, site, line, rng.pick(family), start, outcome(rng, 0.2, [1200, 0.4], 2400));
      if (first && first.disposition !== 'ANSWERED')
        push(ctx, site, line, rng.pick(family), first.end + rng.int(5, 15) * MINUTE, answered(rng, rng.int(10, 40) * 60));
    }
  }
}

/**
 * Open offices: an employee from abroad staying after work on some evenings (19:00-21:30, about two business days
 * in five; one such employee in most open offices, more than real offices have, to stress the night rules) to call home, 20-40 min, nearly always the same number (the family's phone), sometimes a second
 * relative; a dropped line (one call in four, after 2-10 min) is dialled again. Looks like a drain at night to an
 * expensive African or Caribbean mobile range, and on its first evening the country is new to the account.
 */
export function eveningFamilyTraffic(ctx: TrafficContext, site: Site): void {
  const { rng } = ctx;
  if (!rng.chance(0.8)) return;
  const line = rng.pick(site.lines);
  const range = rng.pick(FAMILY_RANGES.filter((r) => r.region === 'AO' || r.region === 'NG' || r.region === 'HT'));
  const home = rangeNumber(rng, range);
  const relative = rangeNumber(rng, range);
  for (const day of business(ctx)) {
    if (!rng.chance(0.4)) continue;
    const dest = rng.chance(0.85) ? home : relative;
    const start = at(day, rng.between(19, 21.5));
    const dropped = rng.chance(0.25);
    const first = push(ctx, site, line, dest, start, answered(rng, (dropped ? rng.int(2, 10) : rng.int(20, 40)) * 60));
    if (first && dropped) push(ctx, site, line, dest, first.end + rng.int(1, 3) * MINUTE, answered(rng, rng.int(20, 40) * 60));
  }
}

/**
 * Clients abroad calling an office through the carriers' SBCs: most answered, some missed (rang out, or hung up
 * after a few seconds), and a missed call is called back within hours by the extension it rang.
 */
export function clientsAbroadTraffic(ctx: TrafficContext, site: Site, tenant: Tenant, countries: readonly string[]): void {
  const { rng } = ctx;
  const clients = Array.from({ length: rng.int(3, 8) }, () => countryNumber(rng, COUNTRIES[rng.pick(countries)] as (typeof COUNTRIES)[string]));
  for (const day of business(ctx)) {
    for (let k = rng.int(0, 3); k > 0; k--) {
      const client = rng.pick(clients);
      const line = rng.pick(site.lines);
      const sbc = rng.pick(tenant.sbcs);
      const r = rng.float();
      const o: Outcome =
        r < 0.75
          ? answered(rng, rng.int(3, 15) * 60)
          : r < 0.9
            ? { ringSec: rng.int(15, 30), billSec: 0, disposition: 'NO ANSWER' }
            : { ringSec: rng.int(2, 6), billSec: 0, disposition: 'NO ANSWER' };
      const call = push(ctx, site, line, client, at(day, rng.between(8.5, 17)), o, 'inbound', client.e164 as string, sbc);
      if (call && call.disposition !== 'ANSWERED') push(ctx, site, line, client, call.end + rng.int(10, 180) * MINUTE, answered(rng, rng.int(2, 10) * 60));
    }
  }
}

/**
 * Call centres: an international retention desk of 15-25 agents (afternoon-shift agents, before their shift)
 * calling clients in DESK_COUNTRIES from 10:30 for half an hour, 10-40 min each: 15-25 simultaneous
 * international calls on one account and one address, every business day.
 */
export function deskTraffic(ctx: TrafficContext, site: Site): void {
  const { rng } = ctx;
  const desk = site.lines.filter((_, i) => i % 2 === 1).slice(0, rng.int(15, 25));
  for (const day of business(ctx)) {
    for (const line of desk) {
      const dest = countryNumber(rng, COUNTRIES[rng.pick(DESK_COUNTRIES)] as (typeof COUNTRIES)[string]);
      push(ctx, site, line, dest, at(day, rng.between(10.5, 11)), rng.chance(0.85) ? answered(rng, rng.int(10, 40) * 60) : failed(rng));
    }
  }
}

/**
 * Sales teams: a quick-call hour before list calling (08:00-09:00), each agent dialling mobiles of the area one
 * after another: half answered and hung up within 1-5 s, some conversations, the rest unanswered.
 */
export function quickCallTraffic(ctx: TrafficContext, site: Site): void {
  const { rng } = ctx;
  for (const day of business(ctx)) {
    for (const line of site.lines) {
      let t = at(day, 8 + rng.between(0, 0.1));
      while (t < at(day, 9)) {
        const r = rng.float();
        const o = r < 0.5 ? answered(rng, rng.int(1, 5)) : r < 0.7 ? answered(rng, rng.int(20, 90)) : failed(rng);
        const call = push(ctx, site, line, mobileNumber(rng, nationalDdd(rng, site.ddd)), t, o);
        if (!call) break;
        t = call.end + rng.int(25, 60) * SECOND;
      }
    }
  }
}
