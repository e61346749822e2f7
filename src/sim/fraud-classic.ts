import { answered, failed, type Call } from './calls.js';
import { allowedDest, fraudCall, OFFICES, subjects, victim, when, who, type EpisodeKind, type FraudContext, type Origin } from './fraud.js';
import { countryNumber, COUNTRIES, FRAUD_COUNTRIES, mobileNumber, nationalDdd, type Dest } from './numbering.js';
import type { Site } from './population.js';
import { MINUTE, SECOND } from './time.js';

/** The attacks the velocity, source-IP and international rules were written for. */

const mobile = (ctx: FraudContext, site: Site): Dest => mobileNumber(ctx.rng, nationalDdd(ctx.rng, site.ddd));
const quick = (ctx: FraudContext) => (ctx.rng.chance(0.5) ? answered(ctx.rng, ctx.rng.int(20, 240)) : failed(ctx.rng));
const fraudCountry = (ctx: FraudContext) => FRAUD_COUNTRIES[ctx.rng.pick(Object.keys(FRAUD_COUNTRIES))] as (typeof FRAUD_COUNTRIES)[string];

type Quota = { readonly minutes?: number; readonly cost?: number };
/** The share of the daily quota used by these minutes and this cost (the tighter limit, as the rule measures it). */
const quotaShare = (quota: Quota, minutes: number, cost: number) => Math.max(quota.minutes ? minutes / quota.minutes : 0, quota.cost ? cost / quota.cost : 0);

/** How many of `calls`, in CDR (end) order, reach 100 % of the daily quota: the rule's promise, exactly. */
function quotaCrossing(calls: readonly Call[], quota: Quota): number {
  let minutes = 0;
  let cost = 0;
  const ordered = [...calls].sort((a, b) => a.end - b.end);
  for (const [i, call] of ordered.entries()) {
    minutes += call.billSec / 60;
    cost += call.cost;
    if (quotaShare(quota, minutes, cost) >= 1) return i + 1;
  }
  return calls.length;
}

export const CLASSIC: readonly EpisodeKind[] = [
  {
    type: 'velocity-burst',
    targets: ['velocity-caller'],
    make(ctx) {
      const site = victim(ctx, OFFICES);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: site.ip };
      const start = when(ctx, 'business');
      const n = ctx.rng.int(8, 14);
      const span = ctx.rng.int(40, 55) * SECOND;
      const calls = Array.from({ length: n }, (_, i) => fraudCall(ctx, o, line.did, mobile(ctx, site), start + Math.round((span * i) / (n - 1)), quick(ctx)));
      return {
        type: 'velocity-burst',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did]),
        description: `${who(site, line)}: ${n} calls to mobiles within a minute, from the office NAT`,
      };
    },
  },
  {
    type: 'account-burst',
    targets: ['velocity-account'],
    make(ctx) {
      const site = victim(ctx, OFFICES, (s) => s.lines.length >= 15);
      const o: Origin = { site, ip: site.ip };
      const users = ctx.rng.sample(site.lines, ctx.rng.int(10, 20));
      const start = when(ctx, 'business');
      const minutes = ctx.rng.int(3, 5);
      const calls: Call[] = [];
      for (let m = 0; m < minutes; m++) {
        for (let k = ctx.rng.int(35, 45); k > 0; k--) {
          calls.push(fraudCall(ctx, o, ctx.rng.pick(users).did, mobile(ctx, site), start + m * MINUTE + ctx.rng.int(0, 59) * SECOND, quick(ctx)));
        }
      }
      const callers = calls.map((c) => c.caller);
      return {
        type: 'account-burst',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, callers),
        description: `${who(site)}: PBX hacked, ${calls.length} calls in ${minutes} min over ${new Set(callers).size} extensions`,
      };
    },
  },
  {
    type: 'ip-flood',
    targets: ['velocity-ip'],
    make(ctx) {
      const site = victim(ctx, ['sme-office']);
      const o: Origin = { site, ip: ctx.alloc.ip(true) };
      const start = when(ctx, 'evening');
      const calls: Call[] = [];
      for (let m = ctx.rng.int(2, 4) - 1; m >= 0; m--) {
        for (let k = ctx.rng.int(6, 9); k > 0; k--) {
          calls.push(fraudCall(ctx, o, ctx.rng.pick(site.lines).did, mobile(ctx, site), start + m * MINUTE + ctx.rng.int(0, 59) * SECOND, quick(ctx)));
        }
      }
      return {
        type: 'ip-flood',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
        ),
        description: `${who(site)}: ${calls.length} calls from attacker IP ${o.ip} on stolen extensions`,
      };
    },
  },
  {
    type: 'credential-stuffing',
    targets: ['credential-stuffing'],
    make(ctx) {
      // the rule counts accounts per IP within one tenant: pick the tenant with the most offices
      const byTenant = ctx.pop.tenants.map((t) => ctx.pop.sites.filter((s) => s.tenant === t.spec.name && s.kind !== 'call-centre' && s.kind !== 'sip-trunk'));
      const pool = byTenant.reduce((a, b) => (b.length > a.length ? b : a));
      const sites = ctx.rng.sample(pool, ctx.rng.int(3, 5));
      const ip = ctx.alloc.ip(true);
      let t = when(ctx, 'night');
      const calls: Call[] = [];
      for (const site of sites) {
        ctx.used.add(`${site.tenant}/${site.account}`);
        for (let k = ctx.rng.int(1, 2); k > 0; k--) {
          const dest = countryNumber(ctx.rng, COUNTRIES[ctx.rng.pick(['GB', 'US', 'DE'])] as (typeof COUNTRIES)[string]);
          calls.push(fraudCall(ctx, { site, ip }, ctx.rng.pick(site.lines).did, dest, t, answered(ctx.rng, ctx.rng.int(5, 20))));
          t += ctx.rng.int(30, 90) * SECOND;
        }
      }
      const acceptable = sites.flatMap((site) =>
        subjects(
          { site, ip },
          calls.filter((c) => c.account === site.account).map((c) => c.caller),
        ),
      );
      const unique = [...new Map(acceptable.map((s) => [`${s.kind}:${s.value}`, s])).values()];
      const tenant = (sites[0] as Site).tenant;
      return {
        type: 'credential-stuffing',
        tenant,
        calls,
        acceptable: unique,
        description: `${tenant}: attacker IP ${ip} tries ${sites.length} accounts' credentials with test calls abroad`,
      };
    },
  },
  {
    type: 'out-of-profile',
    targets: ['international-out-of-profile'],
    make(ctx) {
      const site = victim(ctx, ['sme-office']);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: site.ip };
      const start = when(ctx, 'business');
      const n = ctx.rng.int(6, 10);
      const span = ctx.rng.int(50, 80) * SECOND;
      const country = fraudCountry(ctx);
      const calls = Array.from({ length: n }, (_, i) =>
        fraudCall(ctx, o, line.did, countryNumber(ctx.rng, country), start + Math.round((span * i) / (n - 1)), answered(ctx.rng, ctx.rng.int(60, 600))),
      );
      return {
        type: 'out-of-profile',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did]),
        description: `${who(site, line)}: ${n} calls to ${country.region} (profile denies international)`,
      };
    },
  },
  {
    type: 'quota-exhaustion',
    targets: ['international-daily-quota'],
    make(ctx) {
      const site = victim(ctx, ['intl-office'], (s) => s.intl?.policy === 'quota');
      const quota = site.intl?.quota ?? { minutes: 120 };
      const o: Origin = { site, ip: site.ip };
      const target = ctx.rng.between(1.5, 2.5);
      const users = ctx.rng.sample(site.lines, ctx.rng.int(3, 6));
      const calls: Call[] = [];
      let minutes = 0;
      let cost = 0;
      const start = when(ctx, 'business', [10, 12]);
      const free = users.map(() => start + ctx.rng.int(0, 600) * SECOND);
      for (let i = 0; quotaShare(quota, minutes, cost) < target && i < 400; i++) {
        const u = i % users.length;
        const call = fraudCall(
          ctx,
          o,
          (users[u] as Site['lines'][number]).did,
          allowedDest(ctx, site),
          (free[u] as number) + ctx.rng.int(5, 40) * SECOND,
          answered(ctx.rng, ctx.rng.int(10, 40) * 60),
        );
        calls.push(call);
        free[u] = call.end;
        minutes += call.billSec / 60;
        cost += call.cost;
      }
      return {
        type: 'quota-exhaustion',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
        ),
        description: `${who(site)}: long calls to allowed countries up to ${Math.round(target * 100)} % of the daily quota`,
        budget: {
          cdrs: quotaCrossing(calls, quota),
          why: "international-daily-quota: the CDR with which the episode alone crosses 100 % of the quota (the office's own calls that day only bring it earlier)",
        },
      };
    },
  },
];
