import { answered, failed, makeCall, outcome, type Call } from './calls.js';
import { SIM_CONFIG } from './config.js';
import {
  COUNTRIES,
  EMERGENCY,
  countryNumber,
  dialled,
  fixedNumber,
  internal,
  mobileNumber,
  nationalDdd,
  tollFreeNumber,
  callCost,
  type Dest,
} from './numbering.js';
import type { Line, Site } from './population.js';
import type { Rng } from './prng.js';
import { HOUR, MINUTE, SECOND, at, hourOf, type SimDay } from './time.js';

export interface TrafficContext {
  readonly rng: Rng;
  readonly days: readonly SimDay[];
  readonly periodEnd: number;
  readonly out: Call[];
}

/** Office activity by hour: 08-18 with a lunch dip, a few on Saturday morning, almost none on Sundays and holidays. */
export function officeIntensity(day: SimDay, site: Site, h: number): number {
  if (day.type === 'business') {
    if (h < 7.5 || h >= 19) return 0;
    if (h < 8) return 0.15;
    if (h < 12) return 1;
    if (h < 13) return 0.3;
    if (h < 14) return 0.65;
    if (h < 18) return 0.95;
    return 0.2;
  }
  if (day.type === 'saturday') return h >= 8 && h < 12.5 ? (site.openSaturday ? 0.45 : 0.03) : 0;
  return h >= 9 && h < 17 ? 0.01 : 0;
}

/**
 * Poisson arrivals of one caller with a time-varying rate (thinning against the peak rate), one call at a time:
 * a call never starts before the caller's previous call (and its redials) ended.
 */
export function arrivals(rng: Rng, from: number, to: number, peakPerHour: number, intensity: (t: number) => number, place: (t: number) => number): void {
  if (peakPerHour <= 0) return;
  let t = from;
  let busyUntil = from;
  for (;;) {
    t += rng.exp(HOUR / peakPerHour);
    if (t >= to) return;
    if (!rng.chance(intensity(t))) continue;
    const start = t < busyUntil ? busyUntil + rng.int(5, 90) * SECOND : t;
    busyUntil = place(start);
    t = Math.max(t, busyUntil);
  }
}

function nationalDest(rng: Rng, site: Site, mobileShare: number): Dest {
  const ddd = nationalDdd(rng, site.ddd);
  return rng.chance(mobileShare) ? mobileNumber(rng, ddd) : fixedNumber(rng, ddd);
}

/** One office call, with a redial burst after a busy or unanswered outside call. Returns when the caller is free. */
function officeCall(ctx: TrafficContext, site: Site, line: Line, start: number): number {
  const { rng, out } = ctx;
  const c = SIM_CONFIG.office;
  const base = { tenant: site.tenant, account: site.account, caller: line.did, srcIp: site.ip, population: site.kind };
  const r = rng.float();
  if (r < c.internalShare) {
    const other = rng.pick(site.lines);
    const call = makeCall({ ...base, callee: other.ext, dest: internal(other.ext), start, direction: 'internal' }, outcome(rng, 0.25, [60, 0.9]));
    out.push(call);
    return call.end;
  }
  const dest =
    r < c.internalShare + c.emergencyShare
      ? EMERGENCY
      : r < c.internalShare + c.emergencyShare + c.tollFreeShare
        ? tollFreeNumber(rng)
        : nationalDest(rng, site, c.mobileShare);
  const callee = dialled(rng, dest, site.dialStyle, site.ddd);
  let call = makeCall({ ...base, callee, dest, start }, outcome(rng, dest.cls === 'emergency' ? 0 : site.unanswered, c.duration));
  out.push(call);
  if (call.disposition !== 'ANSWERED' && dest.cls !== 'emergency' && rng.chance(c.redial)) {
    const redials = rng.int(1, 3);
    for (let i = 0; i < redials && call.end < ctx.periodEnd; i++) {
      const last = i === redials - 1;
      const o = last && rng.chance(0.35) ? answered(rng, rng.logNormal(c.duration[0], c.duration[1])) : failed(rng);
      call = makeCall({ ...base, callee, dest, start: call.end + rng.int(5, 20) * SECOND }, o);
      out.push(call);
    }
  }
  return call.end;
}

/** SME offices and international-allowed offices: every extension's national and internal calls. */
export function officeTraffic(ctx: TrafficContext, site: Site): void {
  for (const day of ctx.days) {
    const intensity = (t: number) => officeIntensity(day, site, hourOf(day, t));
    for (const line of site.lines) {
      arrivals(ctx.rng, day.start, Math.min(day.start + 24 * HOUR, ctx.periodEnd), site.rate * line.activity, intensity, (t) => officeCall(ctx, site, line, t));
    }
  }
}

/** On-call staff: a few national calls between 22:00 and 06:00, and (allow-list accounts) some legitimate international ones. */
export function onCallTraffic(ctx: TrafficContext, site: Site): void {
  const line = site.onCall;
  if (!line) return;
  const { rng, out } = ctx;
  const base = { tenant: site.tenant, account: site.account, caller: line.did, srcIp: site.ip, population: site.kind };
  for (const day of ctx.days) {
    const times = Array.from({ length: rng.int(0, 3) }, () => at(day, rng.between(22, 30))).sort((a, b) => a - b);
    let free = 0;
    for (const t of times) {
      const start = Math.max(t, free + MINUTE);
      if (start >= ctx.periodEnd) break;
      const dest = nationalDest(rng, site, 0.6);
      const call = makeCall({ ...base, callee: dialled(rng, dest, site.dialStyle, site.ddd), dest, start }, outcome(rng, 0.2, [180, 0.8]));
      out.push(call);
      free = call.end;
    }
    const intl = site.intl;
    if (intl?.policy !== 'allow' || !rng.chance(SIM_CONFIG.intl.onCallIntlNights)) continue;
    // at most 3 and 20+ minutes apart: an on-call engineer phoning a foreign colleague, not a burst
    let t = at(day, rng.between(22, 27));
    for (let i = rng.int(1, 3); i > 0 && t < ctx.periodEnd; i--) {
      const dest = countryNumber(rng, COUNTRIES[rng.pick(intl.countries)] as (typeof COUNTRIES)[string]);
      const call = makeCall({ ...base, callee: dialled(rng, dest, site.dialStyle, site.ddd), dest, start: t }, outcome(rng, 0.2, [420, 0.6], 2400));
      out.push(call);
      t = call.end + rng.int(20, 60) * MINUTE;
    }
  }
}

/**
 * International calls of allow-list and quota accounts on business days. Quota accounts plan each day's use to a
 * target share of the quota (usually 15-65 %, on some days 80-95 %), measured as the engine measures it:
 * billed seconds / 60 and summed cost, so a legitimate day never reaches 100 %.
 */
export function internationalTraffic(ctx: TrafficContext, site: Site): void {
  const intl = site.intl;
  if (!intl) return;
  const { rng, out } = ctx;
  const c = SIM_CONFIG.intl;
  let businessDay = rng.int(0, c.highDayEvery - 1);
  for (const day of ctx.days) {
    if (day.type !== 'business') continue;
    const quota = intl.quota;
    const target = businessDay++ % c.highDayEvery === 0 ? rng.between(0.8, 0.95) : rng.between(0.15, 0.65);
    // about as many calls as the target needs (5 answered minutes each on average), spread over the whole day
    const tariff = intl.countries.reduce((n, k) => n + (COUNTRIES[k]?.tariff ?? 1), 0) / intl.countries.length;
    const capMinutes = quota ? Math.min(quota.minutes ?? Infinity, (quota.cost ?? Infinity) / tariff) : 0;
    const candidates = quota ? Math.ceil((target * capMinutes) / 4) + 3 : rng.int(c.allowDailyCalls[0], c.allowDailyCalls[1]);
    const times = Array.from({ length: candidates }, () => at(day, rng.between(8.5, 17.5))).sort((a, b) => a - b);
    let minutes = 0;
    let cost = 0;
    for (const start of times) {
      if (start >= ctx.periodEnd) break;
      const line = rng.pick(intl.users);
      const dest = countryNumber(rng, COUNTRIES[rng.pick(intl.countries)] as (typeof COUNTRIES)[string]);
      let o = outcome(rng, 0.2, c.duration, 3600);
      let full = false;
      if (quota && o.billSec > 0) {
        const share = (m: number, k: number) => Math.max(quota.minutes ? m / quota.minutes : 0, quota.cost ? k / quota.cost : 0);
        let bill = o.billSec;
        while (bill >= 30 && share(minutes + bill / 60, cost + callCost(bill, dest.tariff)) > target) bill -= 6;
        if (bill < 30) break;
        full = bill < o.billSec;
        o = { ...o, billSec: bill };
        minutes += bill / 60;
        cost += callCost(bill, dest.tariff);
      }
      const base = { tenant: site.tenant, account: site.account, caller: line.did, srcIp: site.ip, population: site.kind };
      out.push(makeCall({ ...base, callee: dialled(rng, dest, site.dialStyle, site.ddd), dest, start }, o));
      if (full) break;
    }
  }
}

/**
 * Sales teams working through a purchased list: each agent dials the next number of the list (…0101, …0102, a
 * skipped one now and then), mostly answered and minutes long, one call every few minutes.
 */
export function salesTraffic(ctx: TrafficContext, site: Site): void {
  const { rng, out } = ctx;
  const c = SIM_CONFIG.sales;
  for (const line of site.lines) {
    let block = `${site.ddd}${rng.int(2, 5)}${rng.digits(3)}`;
    let next = rng.int(100, 5000);
    for (const day of ctx.days) {
      if (day.type !== 'business') continue;
      for (const [from, to] of [
        [9, 12],
        [13.5, 17.5],
      ] as const) {
        let t = at(day, from + rng.between(0, 0.4));
        while (t < at(day, to) && t < ctx.periodEnd) {
          if (next > 9999) {
            block = `${site.ddd}${rng.int(2, 5)}${rng.digits(3)}`;
            next = rng.int(100, 5000);
          }
          const digits = `${block}${String(next).padStart(4, '0')}`;
          const dest: Dest = { e164: `+55${digits}`, digits, cls: 'fixed', region: 'BR', tariff: 0.05 };
          const o = rng.chance(c.answered) ? answered(rng, rng.logNormal(c.duration[0], c.duration[1])) : failed(rng);
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
            o,
          );
          out.push(call);
          next += rng.weighted([
            [1, 0.85],
            [2, 0.1],
            [3, 0.05],
          ]);
          t = call.end + rng.int(30, 150) * SECOND;
        }
      }
    }
  }
}
