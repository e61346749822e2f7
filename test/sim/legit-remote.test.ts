import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelsSchema } from '../../src/sim/labels.js';
import { simulate } from '../../src/sim/simulate.js';

// three business days of a third of the sites: enough offices with an extension at home some day
const run = simulate({ seed: 5, days: 3, start: '2026-04-14', scale: 0.3 });
const labels = labelsSchema.parse(run.labels);
const fraud = new Set(labels.episodes.flatMap((e) => e.cdrIds));
type Row = {
  id: string;
  account: string;
  tenant: string;
  caller: string;
  srcIp: string;
  direction?: string;
  startedAt: string;
  cost?: number;
  billSec: number;
};
const cdrs = run.lines.map((l) => JSON.parse(l) as Row);
const siteIp = new Map(run.population.sites.map((s) => [`${s.tenant}/${s.account}`, s.ip]));
const FOREIGN = new Set(['5', '37', '45', '62', '80', '91', '185', '193', '194', '212']);

describe('sentinela simulate: remote work (the look-alike of a credential takeover)', () => {
  const home = cdrs.filter((c) => !fraud.has(c.id) && c.direction !== 'inbound' && siteIp.get(`${c.tenant}/${c.account}`) !== c.srcIp);

  it('some office extensions call from a home address: one caller of one account each, a Brazilian ISP', () => {
    assert.ok(home.length > 20, `${home.length} calls from home`);
    const byIp = new Map<string, Row[]>();
    for (const c of home) byIp.set(c.srcIp, [...(byIp.get(c.srcIp) ?? []), c]);
    assert.ok(byIp.size >= 2);
    for (const [ip, calls] of byIp) {
      assert.equal(new Set(calls.map((c) => `${c.tenant}/${c.account}/${c.caller}`)).size, 1, ip);
      assert.ok(!FOREIGN.has(ip.split('.')[0] as string), ip);
    }
  });

  it('the office goes on calling from its own address on its workers’ home days', () => {
    for (const c of home.slice(0, 20)) {
      const day = c.startedAt.slice(0, 10);
      const office = cdrs.filter(
        (o) => o.account === c.account && o.tenant === c.tenant && o.startedAt.startsWith(day) && o.srcIp === siteIp.get(`${c.tenant}/${c.account}`),
      );
      assert.ok(office.length > 0, `${c.account} on ${day}`);
      assert.ok(
        office.every((o) => o.caller !== c.caller),
        'the worker at home is not at the office that day',
      );
    }
  });
});

describe('sentinela simulate: the quota-exhaustion budget', () => {
  it('is the CDR with which the episode alone crosses its victim quota (minutes or cost), as the engine sums them', () => {
    const quotas = run.profiles as {
      tenants: Record<string, { accounts: Record<string, { international?: { quota?: { minutes?: number; cost?: number } } }> }>;
    };
    const e = labels.episodes.find((x) => x.type === 'quota-exhaustion');
    assert.ok(e?.budget?.cdrs);
    const calls = e.cdrIds.map((id) => cdrs.find((c) => c.id === id) as Row);
    const quota = quotas.tenants[e.tenant]?.accounts[calls[0]?.account as string]?.international?.quota;
    assert.ok(quota);
    const share = (n: number) => {
      const first = calls.slice(0, n);
      const minutes = first.reduce((s, c) => s + c.billSec / 60, 0);
      const cost = first.reduce((s, c) => s + (c.cost ?? 0), 0);
      return Math.max(quota.minutes ? minutes / quota.minutes : 0, quota.cost ? cost / quota.cost : 0);
    };
    assert.ok(share(e.budget.cdrs) >= 1, 'crossed by its budget');
    assert.ok(share(e.budget.cdrs - 1) < 1, 'not one CDR earlier');
  });
});
