import { answered, makeCall, type Call } from './calls.js';
import { officeCaps } from './caps.js';
import { subjects, victim, when, who, type EpisodeKind } from './fraud.js';
import { DDDS, dialled, mobileNumber } from './numbering.js';
import { MINUTE } from './time.js';

/**
 * Issue 16: a money cap crossed (F2). Call selling through a hijacked PBX: the attacker resells cheap calls through
 * an office's trunk, national long-distance calls to mobiles all over Brazil, 8-25 min each, on many channels at
 * once from 2-4 extensions, in working hours, from the office's own address. Nothing about a single call, a
 * caller or a minute stands out (no international, premium or invalid number, under every velocity rule, nothing
 * new); only the money does, and the office's daily cap is what stops it.
 */
export const MONEY_CAP: EpisodeKind = {
  type: 'money-cap',
  targets: [],
  make(ctx) {
    const open = new Set(ctx.open ?? []);
    const site = victim(ctx, ['sme-office'], (s) => !open.has(s) && s.lines.length >= 4);
    // an open office (a small run may have no other) has no caps of its own: the episode's are written for it
    const caps = officeCaps(site) ?? { daily: 150, monthly: 3000 };
    const users = ctx.rng.sample(site.lines, ctx.rng.int(2, 4));
    const start = when(ctx, 'business', [9, 10.5]);
    // channels enough to spend about the cap in 3-4 h (a mobile minute is R$ 0.25: R$ 15 an hour a channel)
    const channels = Math.min(24, Math.max(3, Math.ceil(caps.daily / 50)));
    const calls: Call[] = [];
    let spent = 0;
    for (let ch = 0; ch < channels; ch++) {
      let t = start + ctx.rng.int(0, 10 * 60) * 1000;
      // each channel until the attack has spent 1.5 × the cap, or the working day ends
      while (t < start + 9 * 60 * MINUTE && spent < 1.5 * caps.daily * ((ch + 1) / channels)) {
        const dest = mobileNumber(ctx.rng, ctx.rng.pick(DDDS.filter((d) => d !== site.ddd)));
        const line = ctx.rng.pick(users);
        const call = makeCall(
          {
            tenant: site.tenant,
            account: site.account,
            caller: line.did,
            callee: dialled(ctx.rng, dest, site.dialStyle, site.ddd),
            dest,
            srcIp: site.ip,
            start: t,
            episode: ctx.index,
          },
          answered(ctx.rng, ctx.rng.int(8, 25) * 60),
        );
        calls.push(call);
        spent += call.cost;
        t = call.end + ctx.rng.int(1, 4) * MINUTE;
      }
    }
    return {
      type: 'money-cap',
      tenant: site.tenant,
      calls,
      caps,
      budget: { cost: caps.daily, why: `money-cap: blocked by the call that crosses the daily cap (R$ ${caps.daily}), the day's legitimate spend included` },
      acceptable: subjects(
        { site, ip: site.ip },
        users.map((u) => u.did),
      ),
      description: `${who(site)}: call selling through ${users.length} extensions, ${calls.length} national calls of 8-25 min on ${channels} channels, R$ ${Math.round(spent)} against a daily cap of R$ ${caps.daily}`,
    };
  },
};
