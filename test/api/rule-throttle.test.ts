import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadRuleFiles, type RuleFiles } from '../../src/adapters/files/rule-files.js';
import { BlockCheckService, type CheckQuery } from '../../src/api/block-check.js';
import { BlockTable } from '../../src/domain/blocks/block-table.js';
import { createEngine } from '../../src/domain/engine/build.js';
import type { Verdict } from '../../src/domain/engine/verdicts.js';
import { profilesFileSpec } from '../../src/domain/rules/profile-spec.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { cdr, migrated, NOW, waitFor } from '../processor/rig.js';
import { alertsOf, harness, series, throttlesOf } from '../domain/engine/harness.js';
import { embeddedApi, loginAs, testClock } from './rig.js';

const BASE = { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' } };
/** acme may call abroad: the shipped rules' throttle of exposure-account-fast is what answers. */
const ALLOW_ABROAD = { tenants: { acme: { international: { policy: 'allow' } } } };
/** 10-minute calls to Cuba (R$ 6/min) costing R$ 60 each: three ending within 5 minutes reach the warn (R$ 150). */
const cuba = (i: number) => `+535${String(1_000_000 + i * 7919).slice(-7)}`;

/** A call attempt of acme/sales abroad, dialled as the PBX sends it. */
const abroad = (n: number, q: Partial<CheckQuery> = {}): CheckQuery => ({
  tenant: 'acme',
  account: 'sales',
  caller: `11300010${String(n).padStart(2, '0')}`,
  callee: `00${cuba(100 + n).slice(1)}`,
  callId: `abroad-${n}@pbx`,
  ...q,
});

describe('block-check answers a rule throttle like the live-calls throttle (issue 16 item 7, in process)', () => {
  it('throttle with the rate within it, block beyond it, national calls untouched; the rule block then refuses all', () => {
    const profiles = profilesFileSpec.parse(ALLOW_ABROAD);
    const h = harness({ only: ['exposure-account-fast'], profiles: ALLOW_ABROAD });
    const table = new BlockTable();
    const verdicts: Verdict[] = [];
    const attempts = createEngine({ ...loadRuleFiles('rules'), profiles }, BASE, { on: 'attempt', allowedLatenessMs: 5_000 });
    const s = new BlockCheckService({ attempts, table, failPolicy: 'open', staleAfterMs: 3_600_000, onVerdicts: (v) => verdicts.push(...v) });
    const cdrs = series('2026-03-02T10:00:00-03:00', 5, 60, (at, i) => h.call(at, { caller: `+55113000100${i}`, callee: cuba(i), billSec: 600, cost: 60 }));
    const warn = h.feed(...cdrs.slice(0, 3));
    assert.deepEqual(
      alertsOf(warn).map((a) => a.severity),
      ['warn'],
    );
    const [throttle] = throttlesOf(warn);
    assert.ok(throttle);
    for (const v of warn) if (v.kind === 'block') table.apply(v, throttle.startsAt);
    const t0 = throttle.startsAt + 1_000;
    s.markLoaded(t0);

    const answers = [0, 1, 2].map((n) => s.check(abroad(n), t0 + n * 1_000));
    assert.deepEqual(
      answers.map((a) => a.action),
      ['throttle', 'throttle', 'block'],
    );
    const reason = { rule: 'exposure-account-fast', subject: 'account:sales', expiresAt: new Date(throttle.expiresAt).toISOString(), blockId: throttle.id };
    assert.deepEqual(answers[0], {
      action: 'throttle',
      reasons: [{ ...reason, throttle: { calls: 2, per: '1m' } }],
      throttle: { calls: 2, per: '1m' },
      policy: 'normal',
    });
    assert.deepEqual(answers[2], { action: 'block', reasons: [{ ...reason, throttle: { calls: 2, per: '1m' } }], policy: 'normal' });
    assert.equal(s.graded.refusals.throttle, 1);
    // the scope is international: the account's national calls pass untouched
    assert.equal(s.check(abroad(3, { callee: '1140002000' }), t0 + 3_000).action, 'allow');
    // a minute on, the rate allows two more
    assert.deepEqual(
      [4, 5, 6].map((n) => s.check(abroad(n), t0 + 61_000 + n).action),
      ['throttle', 'throttle', 'block'],
    );

    // the spend reaches critical: the block, and the throttle's lifted state, reach the table
    const critical = h.feed(...cdrs.slice(3));
    for (const v of critical) if (v.kind === 'block') table.apply(v, t0 + 120_000);
    assert.equal(table.size, 1, 'the block replaced the throttle');
    const blocked = s.check(abroad(7), t0 + 180_000);
    assert.equal(blocked.action, 'block');
    assert.deepEqual(
      blocked.reasons.map((r) => [r.rule, r.throttle]),
      [['exposure-account-fast', undefined]],
    );
    assert.equal(verdicts.filter((v) => v.rule === 'exposure-account-fast').length, 0, 'the attempt engine issued nothing of its own');
  });
});

describe('rule throttle end to end: CDRs posted, the pipeline throttles, block-check over HTTP answers (embedded, chDB)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('answers throttle with the rate, then block beyond it; GET /v1/blocks lists the throttle until the block supersedes it', async (t) => {
    const shipped = loadRuleFiles('rules');
    const ruleFiles: RuleFiles = { ...shipped, profiles: profilesFileSpec.parse({ defaults: shipped.profiles.defaults, ...ALLOW_ABROAD }) };
    const clock = testClock(NOW + 3_600_000);
    const api = await embeddedApi(t, ch, { clock, ruleFiles });
    const op = await loginAs(api, 'noc-throttle', 'operator');
    const post = async (ids: number[]) => {
      const body = ids
        .map((i) =>
          JSON.stringify(
            cdr(`cuba-${i}`, new Date(NOW + 30 * 60_000 + i * 60_000).toISOString(), {
              caller: `+55113000100${i}`,
              callee: cuba(i),
              durationSec: 600,
              cost: 60,
            }),
          ),
        )
        .join('\n');
      const res = await api.app.inject({ method: 'POST', url: '/v1/cdrs', headers: { ...op, 'content-type': 'application/x-ndjson' }, payload: body });
      const summary = res.json<{ accepted: number; verdicts: { kind: string; rule: string; throttle?: string; liftedAt?: string }[] }>();
      assert.equal(summary.accepted, ids.length, res.body);
      return summary.verdicts.filter((v) => v.kind === 'block' && v.rule === 'exposure-account-fast');
    };
    const ask = async (n: number) =>
      (
        await api.app.inject({
          url: `/v1/block-check?tenant=acme&account=sales&caller=11300010${10 + n}&callee=00${cuba(200 + n).slice(1)}&callId=http-${n}%40pbx`,
        })
      ).json<{
        action: string;
        throttle?: unknown;
        reasons: { rule: string; throttle?: unknown }[];
      }>();
    type Listed = { items: { id: string; rule: string; subject: string; scope: string; throttle?: unknown }[] };
    const listed = async () => (await api.app.inject({ url: '/v1/blocks?tenant=acme&rule=exposure-account-fast', headers: op })).json<Listed>();

    await post([0, 1, 2]);
    let first = await ask(0);
    await waitFor(async () => (first = await ask(0)).action === 'throttle', 'the throttle reaches the block table');
    assert.deepEqual(first.throttle, { calls: 2, per: '1m' });
    assert.deepEqual(
      first.reasons.map((r) => [r.rule, r.throttle]),
      [['exposure-account-fast', { calls: 2, per: '1m' }]],
    );
    const second = await ask(1);
    const third = await ask(2);
    assert.deepEqual([second.action, third.action], ['throttle', 'block'], 'two calls a minute, the third refused');
    let blocks: Listed = { items: [] };
    await waitFor(async () => (blocks = await listed()).items.length === 1, 'the throttle stored');
    assert.deepEqual(
      blocks.items.map((b) => [b.subject, b.scope, b.throttle]),
      [['account:sales', 'international', { calls: 2, per: '1m' }]],
    );
    const throttleId = blocks.items[0]?.id;

    // two more dear calls: R$ 300 within 5 minutes, the block supersedes the throttle
    const answered = await post([3, 4]);
    // the ingest answer lists the superseded throttle as lifted, before the block
    assert.deepEqual(
      answered.map((v) => [v.throttle, v.liftedAt !== undefined]),
      [
        ['2/1m', true],
        [undefined, false],
      ],
    );
    await waitFor(async () => {
      blocks = await listed();
      return blocks.items.length === 1 && blocks.items[0]?.id !== throttleId;
    }, 'the block replaces the throttle in the listing');
    assert.deepEqual(
      blocks.items.map((b) => [b.subject, b.scope, b.throttle]),
      [['account:sales', 'international', undefined]],
    );
    clock.advance(120_000);
    const refused = await ask(3);
    // other shipped rules block the account too at this hour; none of the reasons is a throttle any more
    assert.equal(refused.action, 'block');
    assert.ok(refused.reasons.some((r) => r.rule === 'exposure-account-fast'));
    assert.ok(refused.reasons.every((r) => r.throttle === undefined));
    const stored = (await api.app.inject({ url: `/v1/blocks/${throttleId}`, headers: op })).json<{ state: string; liftedBy: string; liftReason: string }>();
    assert.deepEqual([stored.state, stored.liftedBy], ['lifted', 'rule:exposure-account-fast']);
    assert.match(stored.liftReason, /^superseded by block [0-9a-f]{32}$/);
  });
});
