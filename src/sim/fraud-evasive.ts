import { answered, failed, type Call } from './calls.js';
import { allowedDest, fraudCall, OFFICES, subjects, victim, when, who, type EpisodeKind, type FraudContext, type Origin } from './fraud.js';
import { countryNumber, FRAUD_COUNTRIES, IRSF, irsfNumber, mobileNumber, nationalDdd, type Dest } from './numbering.js';
import type { LabelSubject } from './labels.js';
import { HOUR, MINUTE, SECOND } from './time.js';

/** Attacks shaped to slip under static thresholds, or to arrive late, or where only some subjects may be blocked. */

const fraudCountryNumber = (ctx: FraudContext): Dest =>
  countryNumber(ctx.rng, FRAUD_COUNTRIES[ctx.rng.pick(Object.keys(FRAUD_COUNTRIES))] as (typeof FRAUD_COUNTRIES)[string]);
const irsfDests = (calls: readonly Call[]): LabelSubject[] =>
  calls
    .filter((c) => c.dest.cls === 'premium')
    .flatMap((c) => [
      { kind: 'destination' as const, value: c.dest.e164 as string },
      { kind: 'destPrefix' as const, value: (c.dest.e164 as string).slice(0, 5) },
    ]);

export const EVASIVE: readonly EpisodeKind[] = [
  {
    type: 'spread-extensions',
    targets: [],
    make(ctx) {
      const site = victim(ctx, ['intl-office'], (s) => s.intl?.policy === 'allow' && s.lines.length >= 10);
      const o: Origin = { site, ip: site.ip };
      const users = ctx.rng.sample(site.lines, ctx.rng.int(10, 16));
      const start = when(ctx, 'business', [9, 15]);
      const end = start + ctx.rng.int(20, 40) * MINUTE;
      const calls: Call[] = [];
      // each extension about one call a minute (never 5 in a minute), the account 10-16 a minute (under 30)
      for (const u of users) {
        for (let t = start + ctx.rng.int(0, 60) * SECOND; t < end; t += ctx.rng.int(50, 80) * SECOND) {
          calls.push(fraudCall(ctx, o, u.did, allowedDest(ctx, site), t, answered(ctx.rng, ctx.rng.int(60, 300))));
        }
      }
      return {
        type: 'spread-extensions',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
        ),
        description: `${who(site)}: ${calls.length} calls abroad spread over ${users.length} extensions, each under 5/min`,
      };
    },
  },
  {
    type: 'slow-drip',
    targets: [],
    make(ctx) {
      const site = victim(ctx, ['sme-office']);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: site.ip };
      let t = when(ctx, 'business', [9, 11]);
      const end = t + ctx.rng.between(3, 6) * HOUR;
      const calls: Call[] = [];
      while (t < end) {
        calls.push(fraudCall(ctx, o, line.did, fraudCountryNumber(ctx), t, ctx.rng.chance(0.8) ? answered(ctx.rng, ctx.rng.int(60, 240)) : failed(ctx.rng)));
        t += ctx.rng.int(120, 300) * SECOND;
      }
      return {
        type: 'slow-drip',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did]),
        description: `${who(site, line)}: one international call every 2-5 min for hours (${calls.length} calls)`,
      };
    },
  },
  {
    type: 'night-attack',
    targets: [],
    make(ctx) {
      const site = victim(ctx, ['sme-office']);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: site.ip };
      let t = when(ctx, 'night', [0.5, 1.5]);
      const end = t + ctx.rng.between(3, 4) * HOUR;
      const calls: Call[] = [];
      // starts at least 21 min apart: never 4 in an hour, the off-hours-international threshold
      while (t < end) {
        const call = fraudCall(ctx, o, line.did, fraudCountryNumber(ctx), t, answered(ctx.rng, ctx.rng.int(15, 40) * 60));
        calls.push(call);
        t = Math.max(t + 21 * MINUTE, call.end + ctx.rng.int(10, 120) * SECOND);
      }
      return {
        type: 'night-attack',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did]),
        description: `${who(site, line)}: ${calls.length} long international calls at night, at most 3 an hour`,
      };
    },
  },
  {
    type: 'holiday-attack',
    targets: ['off-hours-international'],
    make(ctx) {
      const site = victim(ctx, OFFICES);
      const o: Origin = { site, ip: site.ip };
      const users = ctx.rng.sample(site.lines, 2);
      const start = when(ctx, 'holiday', [10, 14]);
      const n = ctx.rng.int(10, 20);
      const calls = Array.from({ length: n }, () =>
        fraudCall(ctx, o, ctx.rng.pick(users).did, fraudCountryNumber(ctx), start + ctx.rng.int(0, 7199) * SECOND, answered(ctx.rng, ctx.rng.int(3, 20) * 60)),
      );
      return {
        type: 'holiday-attack',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
        ),
        description: `${who(site)}: ${n} international calls over 2 h on a closed day (holiday or Sunday)`,
      };
    },
  },
  {
    type: 'long-irsf',
    targets: ['premium-destination'],
    make(ctx) {
      const site = victim(ctx, OFFICES);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: ctx.alloc.ip(true) };
      const start = when(ctx, 'evening', [19, 21]);
      const irsf = ctx.rng.pick(IRSF);
      const calls = Array.from({ length: ctx.rng.int(3, 5) }, () =>
        fraudCall(ctx, o, line.did, irsfNumber(ctx.rng, irsf), start + ctx.rng.int(0, 300) * SECOND, answered(ctx.rng, ctx.rng.int(60, 120) * 60)),
      );
      return {
        type: 'long-irsf',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did], irsfDests(calls)),
        description: `${who(site, line)}: ${calls.length} parallel 1-2 h calls to ${irsf.prefix} (${irsf.region}) from ${o.ip}`,
      };
    },
  },
  {
    type: 'allowed-country-surge',
    targets: [],
    make(ctx) {
      const site = victim(ctx, ['intl-office'], (s) => s.intl?.policy === 'allow');
      const o: Origin = { site, ip: site.ip };
      const users = ctx.rng.sample(site.lines, ctx.rng.int(3, 6));
      const start = when(ctx, 'business', [9, 11]);
      const span = ctx.rng.between(2, 4) * HOUR;
      const n = ctx.rng.int(60, 120);
      const calls = Array.from({ length: n }, () =>
        fraudCall(
          ctx,
          o,
          ctx.rng.pick(users).did,
          allowedDest(ctx, site),
          start + ctx.rng.int(0, Math.floor(span / SECOND)) * SECOND,
          answered(ctx.rng, ctx.rng.int(5, 20) * 60),
        ),
      );
      return {
        type: 'allowed-country-surge',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
        ),
        description: `${who(site)}: ${n} calls to its allowed countries in a few hours, about 10x its usual day`,
      };
    },
  },
  {
    type: 'foreign-ip-takeover',
    targets: [],
    make(ctx) {
      const site = victim(ctx, ['sme-office']);
      const o: Origin = { site, ip: ctx.alloc.ip(true) };
      const users = ctx.rng.sample(site.lines, ctx.rng.int(2, 3));
      let t = when(ctx, 'business', [10, 16]);
      const end = t + ctx.rng.int(60, 90) * MINUTE;
      const calls: Call[] = [];
      while (t < end) {
        const dest = mobileNumber(ctx.rng, nationalDdd(ctx.rng, site.ddd));
        calls.push(fraudCall(ctx, o, ctx.rng.pick(users).did, dest, t, ctx.rng.chance(0.85) ? answered(ctx.rng, ctx.rng.int(2, 10) * 60) : failed(ctx.rng)));
        t += ctx.rng.int(120, 300) * SECOND;
      }
      return {
        type: 'foreign-ip-takeover',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
        ),
        description: `${who(site)}: credentials used from new foreign IP ${o.ip}, ${calls.length} calls to mobiles`,
      };
    },
  },
  {
    type: 'compromised-extension',
    targets: ['premium-destination'],
    make(ctx) {
      const site = victim(ctx, ['sme-office']);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: site.ip };
      const nanp = IRSF.filter((i) => i.cc === '1');
      let t = when(ctx, 'business');
      const calls: Call[] = [];
      for (let k = ctx.rng.int(8, 15); k > 0; k--) {
        const dest = ctx.rng.chance(0.5) ? irsfNumber(ctx.rng, ctx.rng.pick(nanp)) : fraudCountryNumber(ctx);
        calls.push(fraudCall(ctx, o, line.did, dest, t, answered(ctx.rng, ctx.rng.int(2, 12) * 60)));
        t += ctx.rng.int(60, 180) * SECOND;
      }
      return {
        type: 'compromised-extension',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did], irsfDests(calls)),
        description: `${who(site, line)}: calls to Caribbean IRSF numbers and unlisted expensive countries from the office NAT`,
      };
    },
  },
];
