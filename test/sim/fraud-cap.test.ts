import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelsSchema } from '../../src/sim/labels.js';
import { simulate } from '../../src/sim/simulate.js';

// one small run: 1 business day, a tenth of the sites
const run = simulate({ seed: 11, days: 1, scale: 0.1 });
const labels = labelsSchema.parse(run.labels);
const cdrs = new Map(run.lines.map((l) => [String((JSON.parse(l) as { id: string }).id), JSON.parse(l) as Record<string, unknown>]));
type Caps = { daily: number; monthly: number };
const tenants = run.profiles['tenants'] as Record<string, { accounts: Record<string, { caps?: Caps; international?: unknown }> }>;

describe('sentinela simulate: money-cap episode (call selling through a hijacked office PBX)', () => {
  const e = labels.episodes.find((x) => x.type === 'money-cap');
  assert.ok(e);
  const calls = e.cdrIds.map((id) => cdrs.get(id) as Record<string, unknown>);
  const account = String(calls[0]?.['account']);
  const caps = tenants[e.tenant]?.accounts[account]?.caps as Caps;

  it("spends past the victim's daily cap with national calls only, and is budgeted at that cap", () => {
    assert.ok(caps && caps.daily >= 150 && caps.monthly === 20 * caps.daily);
    const spent = (e.cdrCosts ?? []).reduce((n, c) => n + c, 0);
    assert.ok(spent > caps.daily, `${spent} > ${caps.daily}`);
    assert.deepEqual(e.budget?.cost, caps.daily);
    for (const c of calls) {
      assert.ok(String(c['callee']).replace(/^\+55/, '').length <= 13 && !String(c['callee']).startsWith('00'), String(c['callee']));
      assert.equal(c['disposition'], 'ANSWERED');
      assert.ok((c['billSec'] as number) >= 480 && (c['billSec'] as number) <= 1500);
    }
    assert.ok(e.acceptable.every((s) => s.kind === 'account' || s.kind === 'caller'));
  });

  it('stays under the counting rules: no caller dials 5 numbers within a minute, all from the office address', () => {
    const byCaller = new Map<string, number[]>();
    for (const c of calls) byCaller.set(String(c['caller']), [...(byCaller.get(String(c['caller'])) ?? []), Date.parse(String(c['startedAt']))]);
    for (const starts of byCaller.values()) {
      starts.sort((a, b) => a - b);
      for (let i = 4; i < starts.length; i++) assert.ok((starts[i] as number) - (starts[i - 4] as number) >= 60_000);
    }
    assert.equal(new Set(calls.map((c) => c['srcIp'])).size, 1);
  });

  it('puts caps on SME offices, never on the open ones (but for a victim a small run had to take among them)', () => {
    const capped = Object.entries(tenants).flatMap(([t, x]) =>
      Object.entries(x.accounts).filter(([a, p]) => p.caps && `${t}/${a}` !== `${e.tenant}/${account}`),
    );
    for (const [, p] of capped) assert.notDeepEqual(p.international, { policy: 'allow' });
    const bigger = simulate({ seed: 11, days: 1, scale: 0.5 }).profiles['tenants'] as typeof tenants;
    assert.ok(Object.values(bigger).some((x) => Object.values(x.accounts).some((p) => p.caps)));
  });
});
