import { answered, failed, type Call } from './calls.js';
import { allowedDest, fraudCall, OFFICES, subjects, victim, when, who, type EpisodeKind, type Origin } from './fraud.js';
import { brPremiumNumber, fixedNumber, IRSF, irsfNumber, mobileNumber, nationalDdd, type Dest } from './numbering.js';
import { MINUTE, SECOND } from './time.js';

/** The attacks the destination and numbering rules were written for: off hours, premium, enumeration, pumping. */
export const DESTINATION: readonly EpisodeKind[] = [
  {
    type: 'off-hours-international',
    targets: ['off-hours-call', 'off-hours-international'],
    make(ctx) {
      const site = victim(ctx, ['intl-office'], (s) => s.intl?.policy === 'allow');
      const o: Origin = { site, ip: site.ip };
      const users = ctx.rng.sample(site.lines, ctx.rng.int(2, 3));
      const start = when(ctx, 'night', [0.5, 3]);
      const n = ctx.rng.int(6, 12);
      const calls = Array.from({ length: n }, () =>
        fraudCall(ctx, o, ctx.rng.pick(users).did, allowedDest(ctx, site), start + ctx.rng.int(0, 3599) * SECOND, answered(ctx.rng, ctx.rng.int(5, 25) * 60)),
      );
      return {
        type: 'off-hours-international',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
        ),
        description: `${who(site)}: ${n} calls to allowed countries within an hour at night`,
      };
    },
  },
  {
    type: 'premium-rate',
    targets: ['premium-destination'],
    make(ctx) {
      const site = victim(ctx, OFFICES);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: site.ip };
      let t = when(ctx, 'business', [10, 16]);
      const calls: Call[] = [];
      for (let k = ctx.rng.int(3, 6); k > 0; k--) {
        const call = fraudCall(ctx, o, line.did, brPremiumNumber(ctx.rng), t, answered(ctx.rng, ctx.rng.int(3, 15) * 60));
        calls.push(call);
        t = call.end + ctx.rng.int(2, 10) * MINUTE;
      }
      const dests = calls.map((c) => ({ kind: 'destination' as const, value: c.dest.e164 as string }));
      return {
        type: 'premium-rate',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did], dests),
        description: `${who(site, line)}: ${calls.length} long calls to 0900/0500 premium numbers`,
      };
    },
  },
  {
    type: 'war-dialling',
    targets: ['sequential-dialling'],
    make(ctx) {
      const site = victim(ctx, ['sme-office']);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: ctx.alloc.ip(true) };
      let t = when(ctx, 'evening');
      const base = fixedNumber(ctx.rng, site.ddd).digits.slice(0, 6);
      let next = ctx.rng.int(1000, 8000);
      const calls: Call[] = [];
      for (let k = ctx.rng.int(12, 25); k > 0; k--) {
        const digits = `${base}${next++}`;
        const dest: Dest = { e164: `+55${digits}`, digits, cls: 'fixed', region: 'BR', tariff: 0.05 };
        const call = fraudCall(ctx, o, line.did, dest, t, ctx.rng.chance(0.7) ? failed(ctx.rng) : answered(ctx.rng, ctx.rng.int(1, 5)));
        calls.push(call);
        t += ctx.rng.int(15, 40) * SECOND;
      }
      return {
        type: 'war-dialling',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did]),
        description: `${who(site, line)}: attacker at ${o.ip} enumerates +55${base}${next - calls.length}… in sequence`,
      };
    },
  },
  {
    type: 'traffic-pumping',
    targets: ['traffic-pumping'],
    make(ctx) {
      const site = victim(ctx, ['sip-trunk']);
      const o: Origin = { site, ip: ctx.alloc.ip(true) };
      const irsf = ctx.rng.pick(IRSF.filter((i) => ['+2917', '+9477', '+8434', '+6757'].includes(i.prefix)));
      const start = when(ctx, 'night');
      const calls: Call[] = [];
      for (let k = ctx.rng.int(25, 50); k > 0; k--) {
        const spoofed = mobileNumber(ctx.rng, nationalDdd(ctx.rng, site.ddd)).e164 as string;
        for (let r = ctx.rng.int(1, 2); r > 0; r--) {
          const out = ctx.rng.chance(0.8) ? answered(ctx.rng, ctx.rng.int(1, 6)) : failed(ctx.rng);
          calls.push(fraudCall(ctx, o, spoofed, irsfNumber(ctx.rng, irsf), start + ctx.rng.int(0, 480) * SECOND, out));
        }
      }
      const extra = [{ kind: 'destPrefix' as const, value: irsf.prefix }];
      return {
        type: 'traffic-pumping',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
          extra,
        ),
        description: `${who(site)}: ${calls.length} 0-6 s calls from spoofed callers to ${irsf.prefix} (${irsf.region}) via attacker IP ${o.ip}`,
      };
    },
  },
];
