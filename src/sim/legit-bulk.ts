import { failed, makeCall, outcome } from './calls.js';
import { SIM_CONFIG } from './config.js';
import { arrivals, officeIntensity, type TrafficContext } from './legit-offices.js';
import { dialled, fixedNumber, mobileNumber, nationalDdd, type Dest } from './numbering.js';
import type { Site, Tenant } from './population.js';
import { HOUR, MINUTE, SECOND, at, hourOf, type SimDay } from './time.js';

/**
 * Call centres: agents on 6-hour shifts (08-14, 14-20, Saturdays too), one account and one IP, each agent
 * dialling one call after another at 20-60 calls an hour, most of them short and unanswered.
 */
export function callCentreTraffic(ctx: TrafficContext, site: Site): void {
  const { rng, out } = ctx;
  const c = SIM_CONFIG.callCentre;
  site.lines.forEach((line, i) => {
    const perHour = rng.between(c.callsPerHour[0], c.callsPerHour[1]) * Math.min(1.5, line.activity);
    const cycle = HOUR / perHour;
    const morning = i % 2 === 0;
    for (const day of ctx.days) {
      // Saturdays run both shifts with half the agents
      if (day.type === 'sunday' || day.type === 'holiday' || (day.type === 'saturday' && i % 4 >= 2)) continue;
      const shiftStart = at(day, morning ? 8 : 14);
      const shiftEnd = shiftStart + 6 * HOUR;
      const pause = shiftStart + rng.between(2.5, 3.5) * HOUR;
      let t = shiftStart + rng.int(0, 600) * SECOND;
      while (t < shiftEnd && t < ctx.periodEnd) {
        if (t >= pause && t < pause + 20 * MINUTE) t = pause + 20 * MINUTE; // NR-17 break
        const ddd = rng.chance(0.6) ? site.ddd : nationalDdd(rng, site.ddd);
        const dest = rng.chance(0.8) ? mobileNumber(rng, ddd) : fixedNumber(rng, ddd);
        const call = makeCall(
          {
            tenant: site.tenant,
            account: site.account,
            caller: line.did,
            callee: dialled(rng, dest, site.dialStyle, site.ddd),
            dest,
            srcIp: site.ip,
            start: t,
            population: site.kind,
          },
          outcome(rng, site.unanswered, c.duration, 1800),
        );
        out.push(call);
        const length = call.end - call.start;
        t = call.end + Math.max(3 * SECOND, rng.exp(Math.max(3 * SECOND, cycle - length)));
      }
    }
  });
}

/** A PBX on a SIP trunk (hotel, hospital, logistics): around the clock, busiest in business hours. */
export function trunkIntensity(day: SimDay, h: number): number {
  const night = h < 6 || h >= 22;
  if (day.type === 'business') return night ? 0.08 : h < 8 ? 0.3 : h < 12 ? 1 : h < 14 ? 0.7 : h < 18 ? 1 : 0.35;
  if (day.type === 'saturday') return night ? 0.06 : 0.35;
  return night ? 0.05 : 0.2;
}

export function trunkTraffic(ctx: TrafficContext, site: Site): void {
  const { rng, out } = ctx;
  const c = SIM_CONFIG.trunk;
  for (const day of ctx.days) {
    // the trunk is many callers at once: arrivals are not serialised per DID
    const end = Math.min(day.start + 24 * HOUR, ctx.periodEnd);
    for (let t = day.start + rng.exp(HOUR / site.rate); t < end; t += rng.exp(HOUR / site.rate)) {
      if (!rng.chance(trunkIntensity(day, hourOf(day, t)))) continue;
      const line = rng.pick(site.lines);
      const ddd = nationalDdd(rng, site.ddd);
      const dest = rng.chance(0.5) ? mobileNumber(rng, ddd) : fixedNumber(rng, ddd);
      const spec = { tenant: site.tenant, account: site.account, caller: line.did, callee: dest.e164 as string, dest, srcIp: site.ip, start: t };
      out.push(makeCall({ ...spec, population: site.kind }, outcome(rng, c.unanswered, c.duration)));
    }
  }
}

/**
 * Inbound calls: the carriers' SBCs (a few addresses per tenant, each serving many companies) deliver outside
 * callers to the companies' DIDs. Call centres dial out only.
 */
export function inboundTraffic(ctx: TrafficContext, site: Site, tenant: Tenant): void {
  if (site.kind === 'call-centre') return;
  const { rng, out } = ctx;
  const c = SIM_CONFIG.inbound;
  const trunk = site.kind === 'sip-trunk';
  const peak = trunk ? site.rate * 0.5 : site.lines.length * c.perExtensionPerHour;
  for (const day of ctx.days) {
    const intensity = (t: number) => (trunk ? trunkIntensity(day, hourOf(day, t)) : officeIntensity(day, site, hourOf(day, t)));
    const end = Math.min(day.start + 24 * HOUR, ctx.periodEnd);
    arrivals(rng, day.start, end, peak, intensity, (t) => {
      const line = rng.pick(site.lines);
      const first = rng.chance(0.8);
      const sbc = (first ? site.sbcs[0] : site.sbcs[1]) ?? rng.pick(site.sbcs);
      const dest: Dest = { e164: line.did, digits: line.did.slice(3), cls: 'fixed', region: 'BR', tariff: 0 };
      const o = rng.chance(c.answered) ? outcome(rng, 0, c.duration) : failed(rng);
      const callee = first ? line.did : line.did.slice(3); // one carrier presents E.164, the other DDD + number
      const spec = { tenant: site.tenant, account: site.account, caller: rng.pick(tenant.externalCallers), callee, dest, srcIp: sbc, start: t };
      out.push(makeCall({ ...spec, direction: 'inbound', population: site.kind }, o));
      return t; // inbound calls of a company overlap freely
    });
  }
}
