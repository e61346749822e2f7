import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { BUDGETS } from '../../src/sim/budgets.js';
import { labelsSchema } from '../../src/sim/labels.js';
import { simulate } from '../../src/sim/simulate.js';

// one small run: 1 business day, a tenth of the sites (the issue-16 episodes and their legitimate counterparts)
const run = simulate({ seed: 11, days: 1, scale: 0.1 });
const labels = labelsSchema.parse(run.labels);
const cdrs = new Map(run.lines.map((l) => [String((JSON.parse(l) as { id: string }).id), JSON.parse(l) as Record<string, unknown>]));
const episode = (type: string) => {
  const e = labels.episodes.find((x) => x.type === type);
  assert.ok(e, type);
  return { e, calls: e.cdrIds.map((id) => cdrs.get(id) as Record<string, unknown>) };
};
const t = (c: Record<string, unknown>, f: 'startedAt' | 'endedAt') => Date.parse(String(c[f]));
const MONEY = ['irsf-test-then-burst', 'short-call-pumping', 'wangiri', 'concurrent-long-calls', 'cost-exposure', 'invalid-numbers'];

describe('sentinela simulate: issue-16 episodes', () => {
  it('carries each new episode type with its budget and the true cost of every CDR', () => {
    for (const type of MONEY) {
      const { e } = episode(type);
      assert.deepEqual(e.budget, BUDGETS[type]);
      assert.equal(e.cdrCosts?.length, e.cdrIds.length);
      assert.ok(e.acceptable.length > 0);
    }
    for (const e of labels.episodes) assert.ok(e.budget, `${e.type} has a budget`);
  });

  it('irsf-test-then-burst: one short test call, then 30-40 calls to the same range from about an hour later', () => {
    const { e, calls } = episode('irsf-test-then-burst');
    const byStart = [...calls].sort((a, b) => t(a, 'startedAt') - t(b, 'startedAt'));
    const [test, ...burst] = byStart as [Record<string, unknown>, ...Record<string, unknown>[]];
    assert.ok((test['billSec'] as number) <= 12);
    assert.ok(burst.length >= 30 && burst.length <= 40);
    assert.ok(t(burst[0] as Record<string, unknown>, 'startedAt') - t(test, 'startedAt') >= 50 * 60_000);
    const prefix = e.acceptable.find((s) => s.kind === 'destPrefix')?.value as string;
    for (const c of calls)
      assert.ok(e.acceptable.some((s) => s.kind === 'destination' && String(c['callee']).endsWith(s.value.slice(1)) && s.value.startsWith(prefix)));
  });

  it('short-call-pumping: 40 answered 1-3 s calls from two extensions to 40 numbers within about 10 minutes', () => {
    const { calls } = episode('short-call-pumping');
    assert.equal(calls.length, 40);
    assert.equal(new Set(calls.map((c) => c['caller'])).size, 2);
    assert.equal(new Set(calls.map((c) => c['callee'])).size, 40);
    for (const c of calls) assert.ok(c['disposition'] === 'ANSWERED' && (c['billSec'] as number) >= 1 && (c['billSec'] as number) <= 3);
    const starts = calls.map((c) => t(c, 'startedAt'));
    assert.ok(Math.max(...starts) - Math.min(...starts) <= 11 * 60_000);
  });

  it('wangiri: one-ring inbound calls from one range via the SBCs, then callbacks to numbers that rang; only the range is acceptable', () => {
    const { e, calls } = episode('wangiri');
    const rings = calls.filter((c) => c['direction'] === 'inbound');
    const backs = calls.filter((c) => c['direction'] === 'outbound');
    assert.ok(rings.length >= 30 && backs.length >= 3);
    const sbcs = new Set(labels.legitimate.filter((s) => s.kind === 'ip' && s.population === 'carrier-inbound').map((s) => s.value));
    for (const r of rings) {
      assert.ok((r['durationSec'] as number) <= 2 && r['disposition'] === 'NO ANSWER');
      assert.ok(sbcs.has(String(r['srcIp'])));
    }
    const rang = new Set(rings.map((r) => String(r['caller'])));
    for (const b of backs) assert.ok([...rang].some((n) => String(b['callee']).endsWith(n.slice(4))) && b['disposition'] === 'ANSWERED');
    assert.ok(e.acceptable.every((s) => s.kind === 'destPrefix' || s.kind === 'destination'));
  });

  it('concurrent-long-calls: 22-28 calls of 1-2 h all up at once on one account', () => {
    const { calls } = episode('concurrent-long-calls');
    assert.ok(calls.length >= 22 && calls.length <= 28);
    const lastStart = Math.max(...calls.map((c) => t(c, 'startedAt')));
    assert.ok(
      calls.every((c) => t(c, 'endedAt') > lastStart),
      'all simultaneous',
    );
    assert.equal(new Set(calls.map((c) => c['account'])).size, 1);
  });

  it('invalid-numbers: numbers libphonenumber calls invalid; cost-exposure: never 4 calls in an hour', () => {
    for (const c of episode('invalid-numbers').calls) {
      const e164 = String(c['callee']).startsWith('+') ? String(c['callee']) : null;
      if (e164) assert.equal(parsePhoneNumberFromString(e164)?.isValid() ?? false, false, e164);
    }
    const starts = episode('cost-exposure')
      .calls.map((c) => t(c, 'startedAt'))
      .sort((a, b) => a - b);
    for (let i = 3; i < starts.length; i++) assert.ok((starts[i] as number) - (starts[i - 3] as number) >= 3_600_000);
  });

  it('the open offices: international allowed everywhere, CDRs without cost; the true cost is in the labels', () => {
    const { e, calls } = episode('cost-exposure');
    for (const c of calls) assert.equal(c['cost'], undefined);
    assert.ok((e.cdrCosts ?? []).every((x) => x > 0));
    const tenants = run.profiles['tenants'] as Record<string, { accounts: Record<string, { international?: { policy: string; countries?: string[] } }> }>;
    const profile = tenants[e.tenant]?.accounts[String(calls[0]?.['account'])];
    assert.deepEqual(profile?.international, { policy: 'allow' });
  });

  it('legitimate counterparts: typos, clients abroad with missed calls called back, a call-centre desk of 15-25 simultaneous international calls', () => {
    const fraud = new Set(labels.episodes.flatMap((e) => e.cdrIds));
    const legit = [...cdrs.values()].filter((c) => !fraud.has(String(c['id'])));
    const inboundAbroad = legit.filter((c) => c['direction'] === 'inbound' && !String(c['caller']).startsWith('+55'));
    assert.ok(inboundAbroad.length > 0, 'clients abroad call in');
    const missed = inboundAbroad.filter((c) => c['disposition'] !== 'ANSWERED');
    for (const m of missed)
      assert.ok(
        legit.some((c) => c['direction'] === 'outbound' && String(c['callee']).endsWith(String(m['caller']).slice(4)) && t(c, 'startedAt') > t(m, 'startedAt')),
      );
    const centre = legit.filter(
      (c) => String(c['account']).startsWith('callcenter') && !String(c['callee']).startsWith('+55') && /^(\+|00)/.test(String(c['callee'])),
    );
    // the desk (every other agent, at most 25) calls abroad from 10:30 for half an hour: most calls up at 11:00
    const at = Math.max(...centre.map((c) => t(c, 'startedAt')));
    const up = centre.filter((c) => t(c, 'endedAt') > at).length;
    assert.ok(centre.length >= 3 && up * 3 >= centre.length * 2, `${centre.length} desk calls, ${up} up at once`);
  });
});
