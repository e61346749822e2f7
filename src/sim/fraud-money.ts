import { answered, failed, makeCall, type Call, type CallSpec, type Outcome } from './calls.js';
import { subjects, when, who, type EpisodeKind, type FraudContext, type Origin } from './fraud.js';
import type { LabelSubject } from './labels.js';
import type { Line, Site } from './population.js';
import { billedAbroad, HIGH_COST_RANGES, invalidNumber, rangeNumber, WANGIRI_RANGES, type Range } from './ranges.js';
import { HOUR, MINUTE, SECOND } from './time.js';
import { dialled, type Dest } from './numbering.js';

/**
 * Issue 16: attacks that slip under call counts (cost, ranges, live calls, number validity). Victims are the
 * "open" offices (international allowed everywhere, CDRs without cost), so neither a profile nor a list stops
 * them: only cost, novelty, shape and live concurrency do.
 */

/** An open office not attacked yet (any open office, then any office, when a small run has too few). */
function openVictim(ctx: FraudContext, minLines = 1): Site {
  const open = (ctx.open ?? []).filter((s) => s.lines.length >= minLines);
  const fresh = open.filter((s) => !ctx.used.has(`${s.tenant}/${s.account}`));
  const pool = fresh.length > 0 ? fresh : open.length > 0 ? open : ctx.pop.sites.filter((s) => s.kind === 'sme-office');
  const site = ctx.rng.pick(pool.length > 0 ? pool : ctx.pop.sites);
  ctx.used.add(`${site.tenant}/${site.account}`);
  return site;
}

/** A call of the episode; international calls are billed by the minute (ranges.ts). */
export function moneyCall(ctx: FraudContext, spec: Omit<CallSpec, 'episode' | 'callee'> & { callee?: string }, site: Site, out: Outcome): Call {
  const callee = spec.callee ?? (spec.srcIp === site.ip ? dialled(ctx.rng, spec.dest, site.dialStyle, site.ddd) : (spec.dest.e164 ?? spec.dest.digits));
  return billedAbroad(makeCall({ ...spec, callee, episode: ctx.index }, out));
}

const from = (o: Origin, caller: string, dest: Dest, start: number) => ({
  tenant: o.site.tenant,
  account: o.site.account,
  caller,
  dest,
  srcIp: o.ip,
  start,
});

/** The range as block subjects: its prefix, its 4-digit prefix (as traffic-pumping keys) and the numbers called. */
function rangeSubjects(r: Range, calls: readonly Call[]): LabelSubject[] {
  const out: LabelSubject[] = [{ kind: 'destPrefix', value: r.prefix }];
  if (r.prefix.length !== 5) out.push({ kind: 'destPrefix', value: r.prefix.slice(0, 5) });
  for (const c of calls) if (c.dest.e164?.startsWith(r.prefix)) out.push({ kind: 'destination', value: c.dest.e164 });
  return out;
}

export const MONEY: readonly EpisodeKind[] = [
  {
    type: 'irsf-test-then-burst',
    targets: [],
    make(ctx) {
      const site = openVictim(ctx, 3);
      const o: Origin = { site, ip: site.ip };
      const users = ctx.rng.sample(site.lines, ctx.rng.int(1, 2));
      const range = ctx.rng.pick(HIGH_COST_RANGES);
      const test = when(ctx, ctx.rng.chance(0.5) ? 'business' : 'evening', [9, 20]);
      const calls: Call[] = [moneyCall(ctx, from(o, (users[0] as Line).did, rangeNumber(ctx.rng, range), test), site, answered(ctx.rng, ctx.rng.int(4, 12)))];
      let t = test + ctx.rng.int(50, 75) * MINUTE;
      for (let k = ctx.rng.int(30, 40); k > 0; k--) {
        const out = ctx.rng.chance(0.8) ? answered(ctx.rng, ctx.rng.int(5, 50)) : failed(ctx.rng);
        calls.push(moneyCall(ctx, from(o, ctx.rng.pick(users).did, rangeNumber(ctx.rng, range), t), site, out));
        t += ctx.rng.int(20, 45) * SECOND;
      }
      return {
        type: 'irsf-test-then-burst',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
          rangeSubjects(range, calls),
        ),
        description: `${who(site)}: one test call to ${range.prefix} (${range.name}), ~1 h later ${calls.length - 1} short calls to that range`,
      };
    },
  },
  {
    type: 'short-call-pumping',
    targets: [],
    make(ctx) {
      const site = openVictim(ctx, 2);
      const o: Origin = { site, ip: site.ip };
      const users = ctx.rng.sample(site.lines, 2);
      const range = ctx.rng.pick(HIGH_COST_RANGES);
      const start = when(ctx, 'business', [9, 17]);
      const n = 40;
      const calls = Array.from({ length: n }, (_, i) =>
        moneyCall(
          ctx,
          from(o, (users[i % users.length] as Line).did, rangeNumber(ctx.rng, range), start + Math.round((i * 10 * MINUTE) / n) + ctx.rng.int(0, 10) * SECOND),
          site,
          answered(ctx.rng, ctx.rng.int(1, 3)),
        ),
      );
      return {
        type: 'short-call-pumping',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
          rangeSubjects(range, calls),
        ),
        description: `${who(site)}: ${n} answered 1-3 s calls from 2 extensions to ${n} numbers of ${range.prefix} (${range.name}) in 10 min`,
      };
    },
  },
  {
    type: 'wangiri',
    targets: [],
    make(ctx) {
      // one ring from one range to DIDs of several companies of a tenant, then some employees call back
      const first = openVictim(ctx);
      const companies = [
        first,
        ...ctx.rng.sample(
          (ctx.open ?? []).filter((s) => s.tenant === first.tenant && s !== first),
          ctx.rng.int(2, 4),
        ),
      ];
      const tenant = ctx.pop.tenants.find((t) => t.spec.name === first.tenant);
      const sbcs = tenant?.sbcs ?? first.sbcs;
      const range = ctx.rng.pick(WANGIRI_RANGES);
      const start = when(ctx, 'business', [10, 16]);
      const calls: Call[] = [];
      const rung: { site: Site; line: Line; from: Dest; at: number }[] = [];
      for (let k = ctx.rng.int(30, 60); k > 0; k--) {
        const site = ctx.rng.pick(companies);
        const line = ctx.rng.pick(site.lines);
        const number = rangeNumber(ctx.rng, range);
        const at = start + ctx.rng.int(0, 90 * 60) * SECOND;
        const ring = { ringSec: ctx.rng.int(0, 2), billSec: 0, disposition: 'NO ANSWER' as const };
        const spec = { tenant: site.tenant, account: site.account, caller: number.e164 as string, callee: line.did, srcIp: ctx.rng.pick(sbcs), start: at };
        const dest: Dest = { e164: line.did, digits: line.did.slice(3), cls: 'fixed', region: 'BR', tariff: 0 };
        calls.push(moneyCall(ctx, { ...spec, dest, direction: 'inbound' }, site, ring));
        rung.push({ site, line, from: number, at });
      }
      const callbacks = ctx.rng.sample(rung, Math.max(3, Math.round(rung.length * ctx.rng.between(0.15, 0.3))));
      for (const r of callbacks) {
        const back = r.at + ctx.rng.int(5, 240) * MINUTE;
        const spec = from({ site: r.site, ip: r.site.ip }, r.line.did, r.from, back);
        calls.push(moneyCall(ctx, spec, r.site, answered(ctx.rng, ctx.rng.int(60, 420))));
      }
      return {
        type: 'wangiri',
        tenant: first.tenant,
        calls,
        // the employees and their companies are victims: only the calling range and its numbers are the response
        acceptable: rangeSubjects(
          range,
          calls.filter((c) => c.direction === 'outbound'),
        )
          .concat(rung.map((r) => ({ kind: 'destination' as const, value: r.from.e164 as string })))
          .filter((s, i, all) => all.findIndex((x) => x.kind === s.kind && x.value === s.value) === i),
        description: `${first.tenant}: ${rung.length} one-ring calls from ${range.prefix} (${range.name}) to ${companies.length} companies, ${callbacks.length} callbacks`,
      };
    },
  },
  {
    type: 'concurrent-long-calls',
    targets: [],
    make(ctx) {
      const site = openVictim(ctx, 3);
      const o: Origin = { site, ip: site.ip };
      const users = ctx.rng.sample(site.lines, Math.min(site.lines.length, ctx.rng.int(3, 6)));
      const range = ctx.rng.pick(HIGH_COST_RANGES);
      const start = when(ctx, 'evening', [19, 22]);
      const n = ctx.rng.int(22, 28);
      // all placed within 8-12 minutes (2-3 a minute: under every velocity rule), all still up an hour later
      const span = ctx.rng.int(8, 12) * MINUTE;
      const calls = Array.from({ length: n }, (_, i) =>
        moneyCall(
          ctx,
          from(o, (users[i % users.length] as Line).did, rangeNumber(ctx.rng, range), start + Math.round((span * i) / n)),
          site,
          answered(ctx.rng, ctx.rng.int(60, 120) * 60),
        ),
      );
      return {
        type: 'concurrent-long-calls',
        tenant: site.tenant,
        calls,
        acceptable: subjects(
          o,
          calls.map((c) => c.caller),
          rangeSubjects(range, calls),
        ),
        description: `${who(site)}: ${n} simultaneous 1-2 h calls to ${range.prefix} (${range.name}); the CDRs arrive only when they end`,
      };
    },
  },
  {
    type: 'cost-exposure',
    targets: [],
    make(ctx) {
      const site = openVictim(ctx);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: site.ip };
      const range = ctx.rng.pick(HIGH_COST_RANGES);
      let t = when(ctx, 'evening', [18.5, 19.5]);
      const end = t + ctx.rng.between(4, 5) * HOUR;
      const calls: Call[] = [];
      // 2-3 calls an hour (starts 20+ min apart: never 4 in an hour), 6-15 min each: a drain no counter sees
      while (t < end) {
        const call = moneyCall(ctx, from(o, line.did, rangeNumber(ctx.rng, range), t), site, answered(ctx.rng, ctx.rng.int(6, 15) * 60));
        calls.push(call);
        t += ctx.rng.int(20, 30) * MINUTE;
      }
      return {
        type: 'cost-exposure',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did], rangeSubjects(range, calls)),
        description: `${who(site, line)}: ${calls.length} calls of 6-15 min to ${range.prefix} (${range.name}) over an evening, R$ ${Math.round(calls.reduce((n, c) => n + c.cost, 0))}`,
      };
    },
  },
  {
    type: 'invalid-numbers',
    targets: [],
    make(ctx) {
      const site = openVictim(ctx);
      const line = ctx.rng.pick(site.lines);
      const o: Origin = { site, ip: site.ip };
      let t = when(ctx, ctx.rng.chance(0.5) ? 'evening' : 'night');
      const calls: Call[] = [];
      // scanning which routes answer: 1-2 calls a minute, numbers in no order (not a sequence)
      for (let k = ctx.rng.int(30, 50); k > 0; k--) {
        const dest = invalidNumber(ctx.rng, site.ddd, ctx.rng.chance(0.6));
        const out: Outcome = { ringSec: ctx.rng.int(0, 2), billSec: 0, disposition: ctx.rng.chance(0.7) ? 'FAILED' : 'CONGESTION' };
        calls.push(moneyCall(ctx, from(o, line.did, dest, t), site, out));
        t += ctx.rng.int(30, 70) * SECOND;
      }
      return {
        type: 'invalid-numbers',
        tenant: site.tenant,
        calls,
        acceptable: subjects(o, [line.did]),
        description: `${who(site, line)}: ${calls.length} calls to invalid or unallocated numbers (route scanning)`,
      };
    },
  },
];
