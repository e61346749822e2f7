import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { Normaliser } from '../../src/domain/numbering/normaliser.js';
import type { DialPlan } from '../../src/domain/numbering/types.js';
import { profilesFileSpec } from '../../src/domain/rules/profile-spec.js';
import { labelsSchema } from '../../src/sim/labels.js';
import {
  billedSeconds,
  brPremiumNumber,
  callCost,
  COUNTRIES,
  countryNumber,
  dialled,
  FRAUD_COUNTRIES,
  fixedNumber,
  IRSF,
  irsfNumber,
  mobileNumber,
} from '../../src/sim/numbering.js';
import { Rng } from '../../src/sim/prng.js';
import { simulate } from '../../src/sim/simulate.js';

const normaliser = new Normaliser();
const BR: DialPlan = { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' };
// the premium/IRSF lists proper: a risk-only row (`risk_*`, irsf-risk-ranges.csv lists whole countries such as
// Nigeria or Cuba) weighs a range in the range rules but does not make a number premium, and people call there
const listed = loadRuleFiles('rules')
  .prefixEntries.filter((e) => !e.category.startsWith('risk_'))
  .map((e) => e.prefix);
const onList = (e164: string) => listed.some((p) => e164.slice(1).startsWith(p));

function read(dialledText: string, plan: DialPlan = BR) {
  const r = normaliser.normalise(dialledText, plan);
  assert.ok(r.ok, `${dialledText}: ${r.ok ? '' : r.error.message}`);
  return r.number;
}

describe('simulated numbers', () => {
  const rng = new Rng(3);
  it('Brazilian fixed (2-5) and mobile (9) numbers are valid, of their type, in every dialling style', () => {
    for (let i = 0; i < 200; i++) {
      const ddd = rng.pick(['11', '21', '81', '51', '19', '92']);
      for (const d of [fixedNumber(rng, ddd), mobileNumber(rng, ddd)]) {
        const n = read(d.e164 as string);
        assert.equal(n.type, d.cls === 'fixed' ? 'FIXED_LINE' : 'MOBILE', d.e164 as string);
        assert.equal(read(dialled(rng, d, 'national', '11')).e164, d.e164);
        assert.equal(read(dialled(rng, d, 'outside-line', '11'), { ...BR, outsideLinePrefix: '0' }).e164, d.e164);
      }
    }
  });

  it('international numbers are valid in their country and stay off the premium/IRSF lists', () => {
    for (const c of [...Object.values(COUNTRIES), ...Object.values(FRAUD_COUNTRIES)]) {
      for (let i = 0; i < 40; i++) {
        const d = countryNumber(rng, c);
        const n = read(dialled(rng, d, 'national', '11'));
        assert.equal(n.e164, d.e164);
        assert.ok(n.valid && n.international, d.e164 as string);
        assert.equal(n.region, c.region, d.e164 as string);
        assert.ok(!onList(d.e164 as string), `${d.e164} is on a list`);
      }
    }
  });

  it('IRSF and premium numbers are on the shipped lists (or PREMIUM_RATE), their 4-digit prefix as traffic-pumping keys it', () => {
    for (const irsf of IRSF) {
      const d = irsfNumber(rng, irsf);
      assert.ok(onList(d.e164 as string), `${d.e164} not on a list`);
      assert.equal((d.e164 as string).slice(0, 5), irsf.prefix);
      assert.ok(read(d.e164 as string).international);
    }
    for (let i = 0; i < 20; i++) {
      const d = brPremiumNumber(rng);
      const n = read(dialled(rng, d, 'national', '11'));
      assert.equal(n.type, 'PREMIUM_RATE');
      assert.equal(n.e164, d.e164);
    }
  });

  it('bills as Brazilian carriers do: free up to 3 s, then a 30 s minimum and 6 s steps', () => {
    assert.deepEqual([0, 3, 4, 30, 31, 61].map(billedSeconds), [0, 0, 30, 30, 36, 66]);
    assert.equal(callCost(61, 0.25), 0.28);
  });
});

describe('simulated traffic against its own profiles', () => {
  // Thursday to Sunday: two business days, a Saturday and a Sunday
  const run = simulate({ seed: 11, days: 4, scale: 0.1 });
  const profiles = profilesFileSpec.parse(run.profiles);
  const labels = labelsSchema.parse(run.labels);
  const fraud = new Set(labels.episodes.flatMap((e) => e.cdrIds));
  // a typo (legit-extra.ts) dials an invalid number on purpose: refused by the network at once
  // (and the invalid-numbers episode: failed or congested within 2 s)
  const typo = (c: object) => {
    const { disposition, durationSec } = c as { disposition?: string; durationSec?: number };
    return (disposition === 'FAILED' || disposition === 'CONGESTION') && (durationSec ?? 0) <= 2;
  };
  const planOf = (tenant: string, account: string): DialPlan => {
    const t = profiles.tenants[tenant];
    const a = t?.accounts[account];
    const plan = { ...t?.dialPlan, ...a?.dialPlan };
    return {
      ...BR,
      ...(plan.defaultDdd ? { defaultDdd: plan.defaultDdd } : {}),
      ...(plan.outsideLinePrefix ? { outsideLinePrefix: plan.outsideLinePrefix } : {}),
    };
  };

  it('every dialled number reads under the account dial plan; legitimate calls abroad only go to allowed countries', () => {
    let international = 0;
    for (const line of run.lines) {
      const c = JSON.parse(line) as Record<string, string>;
      if (typo(c)) continue;
      const n = read(c['callee'] as string, planOf(c['tenant'] as string, c['account'] as string));
      if (fraud.has(c['id'] as string) || c['direction'] === 'inbound') continue;
      assert.ok(n.e164 === null || !onList(n.e164), `legitimate call to listed ${n.e164}`);
      if (!n.international) continue;
      international++;
      const policy = profiles.tenants[c['tenant'] as string]?.accounts[c['account'] as string]?.international;
      if (policy?.policy === 'allow' && policy.countries === undefined) continue; // an open office: every country
      const allowed = policy?.countries ?? [];
      assert.ok(allowed.includes(n.region as string), `${c['account']} → ${n.region}`);
    }
    assert.ok(international > 20, `${international} legitimate international calls`);
  });

  it('quota accounts use their daily quota as the engine measures it: some days 80-95 %, never 100 %', () => {
    const used = new Map<string, { minutes: number; cost: number }>();
    for (const line of run.lines) {
      const c = JSON.parse(line) as { id: string; tenant: string; account: string; callee: string; startedAt: string; billSec: number; cost: number };
      const quota = profiles.tenants[c.tenant]?.accounts[c.account]?.international?.quota;
      if (!quota || fraud.has(c.id) || typo(c) || !read(c.callee, planOf(c.tenant, c.account)).international) continue;
      const key = `${c.tenant}/${c.account}/${c.startedAt.slice(0, 10)}`;
      const u = used.get(key) ?? { minutes: 0, cost: 0 };
      used.set(key, { minutes: u.minutes + c.billSec / 60, cost: u.cost + c.cost });
    }
    const shares = [...used].map(([key, u]) => {
      const [tenant, account] = key.split('/') as [string, string];
      const q = profiles.tenants[tenant]?.accounts[account]?.international?.quota ?? {};
      return Math.max(q.minutes ? u.minutes / q.minutes : 0, q.cost ? u.cost / q.cost : 0);
    });
    assert.ok(shares.length >= 4, `${shares.length} account-days`);
    assert.ok(Math.max(...shares) < 1, `a legitimate day at ${Math.max(...shares)}`);
    assert.ok(
      shares.some((s) => s >= 0.8),
      'a day near the quota',
    );
  });
});
