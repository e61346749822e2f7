import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockCheckService, type CheckQuery, type FailPolicy } from '../../src/api/block-check.js';
import { BlockTable } from '../../src/domain/blocks/block-table.js';
import { MAX_TENANTS_PER_MINUTE, SHED_TENANT } from '../../src/domain/blocks/decision-counts.js';
import { liftBlock, type Block } from '../../src/domain/blocks/block.js';
import { createEngine } from '../../src/domain/engine/build.js';
import type { Verdict } from '../../src/domain/engine/verdicts.js';
import { profilesFileSpec } from '../../src/domain/rules/profile-spec.js';
import { DEFAULT_RULES } from '../domain/engine/harness.js';
import { testBlock } from '../domain/blocks/test-block.js';

const NOW = Date.parse('2026-03-02T15:00:00-03:00');
const BASE = { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' } };

function service(o: { failPolicy?: FailPolicy; profiles?: unknown } = {}) {
  const verdicts: Verdict[] = [];
  const profiles = o.profiles === undefined ? DEFAULT_RULES.profiles : profilesFileSpec.parse(o.profiles);
  const attempts = createEngine({ ...DEFAULT_RULES, profiles }, BASE, { on: 'attempt', allowedLatenessMs: 5_000 });
  const s = new BlockCheckService({
    attempts,
    table: new BlockTable(),
    failPolicy: o.failPolicy ?? 'open',
    staleAfterMs: 10_000,
    onVerdicts: (v) => verdicts.push(...v),
  });
  s.markLoaded(NOW);
  return { s, verdicts };
}

const call = (q: Partial<CheckQuery> = {}): CheckQuery => ({
  tenant: 'acme',
  account: 'sales',
  caller: '+551130001000',
  callee: '+551140002000',
  ip: '203.0.113.7',
  ...q,
});

const block = (fields: Partial<Block> = {}): Block =>
  testBlock('b1', { kind: 'caller', value: '+551130001000' }, { reason: 'test', startsAt: NOW - 60_000, expiresAt: NOW + 300_000, ...fields });

describe('block-check (API core)', () => {
  it('allows a national call with no block, under the normal policy', () => {
    const { s } = service();
    assert.deepEqual(s.check(call(), NOW), { action: 'allow', reasons: [], policy: 'normal' });
  });

  it('blocks on an active block of the caller, account, IP, destination prefix or tenant, with its expiry', () => {
    for (const subject of [
      { kind: 'caller', value: '+551130001000' },
      { kind: 'account', value: 'sales' },
      { kind: 'ip', value: '203.0.113.7' },
      { kind: 'destPrefix', value: '+5511' },
      { kind: 'tenant', value: 'acme' },
    ] as const) {
      const { s } = service();
      s.table.apply(block({ subject }), NOW);
      const answer = s.check(call(), NOW);
      assert.equal(answer.action, 'block', subject.kind);
      assert.deepEqual(answer.reasons, [
        { rule: 'velocity-caller', subject: `${subject.kind}:${subject.value}`, expiresAt: new Date(NOW + 300_000).toISOString(), blockId: 'b1' },
      ]);
    }
  });

  it('stops blocking once the block is lifted or expired, and ignores other tenants', () => {
    const { s } = service();
    s.table.apply(block(), NOW);
    assert.equal(s.check(call({ tenant: 'other' }), NOW).action, 'allow');
    assert.equal(s.check(call(), NOW + 300_000).action, 'allow', 'expired');
    s.table.apply(liftBlock(block(), NOW, 'noc', 'customer called'), NOW);
    assert.equal(s.check(call(), NOW).action, 'allow', 'lifted');
    assert.equal(s.table.size, 0);
  });

  it('applies an international-scope block to international calls only', () => {
    const { s } = service({ profiles: { defaults: { international: { policy: 'allow' } } } });
    s.table.apply(block({ scope: 'international' }), NOW);
    assert.equal(s.check(call(), NOW).action, 'allow');
    assert.equal(s.check(call({ callee: '+351211234567' }), NOW).action, 'block');
  });

  it('denies international calls by default (F1), other countries than allowed (F3) and premium rate (F4)', () => {
    const { s } = service();
    assert.deepEqual(
      s.check(call({ callee: '00351211234567' }), NOW).reasons.map((r) => r.rule),
      ['profile-international'],
    );
    const pt = service({ profiles: { tenants: { acme: { international: { policy: 'allow', countries: ['PT'] } } } } }).s;
    assert.equal(pt.check(call({ callee: '+351211234567' }), NOW).action, 'allow');
    assert.deepEqual(
      pt.check(call({ callee: '+12125550100' }), NOW).reasons.map((r) => r.rule),
      ['profile-international'],
    );
    assert.ok(s.check(call({ callee: '0900 123 4567' }), NOW).reasons.some((r) => r.rule === 'profile-premium'));
  });

  it('always allows emergency numbers, even with the caller blocked and fail-closed while loading', () => {
    const { s } = service({ failPolicy: 'closed' });
    s.table.apply(block(), NOW);
    assert.deepEqual(s.check(call({ callee: '190' }), NOW), { action: 'allow', reasons: [], policy: 'normal', emergency: true });
    const loading = new BlockCheckService({
      attempts: createEngine(DEFAULT_RULES, BASE, { on: 'attempt' }),
      table: new BlockTable(),
      failPolicy: 'closed',
      staleAfterMs: 1,
      onVerdicts: () => {},
    });
    assert.equal(loading.check(call({ callee: '192' }), NOW).action, 'allow');
    assert.equal(loading.shed(call({ callee: '193' }), NOW).action, 'allow');
  });

  it('answers by the fail policy while loading or stale, and says so', () => {
    for (const failPolicy of ['open', 'closed'] as const) {
      const attempts = createEngine(DEFAULT_RULES, BASE, { on: 'attempt' });
      const s = new BlockCheckService({ attempts, table: new BlockTable(), failPolicy, staleAfterMs: 10_000, onVerdicts: () => {} });
      const loading = s.check(call(), NOW);
      assert.deepEqual([loading.action, loading.policy, loading.degraded], [failPolicy === 'open' ? 'allow' : 'block', `fail-${failPolicy}`, 'loading']);
      assert.equal(s.status(NOW).ready, false);
      s.markLoaded(NOW);
      assert.equal(s.check(call({ caller: '+551130009999' }), NOW + 1000).policy, 'normal');
      const stale = s.check(call({ caller: '+551130008888' }), NOW + 10_001);
      assert.deepEqual([stale.policy, stale.degraded], [`fail-${failPolicy}`, 'stale']);
      assert.equal(s.status(NOW + 10_001).state, 'stale');
      s.heard(NOW + 10_001);
      assert.equal(s.status(NOW + 10_001).ready, true);
      const shed = s.shed(call(), NOW);
      assert.deepEqual([shed.action, shed.degraded], [failPolicy === 'open' ? 'allow' : 'block', 'overload']);
    }
  });

  it('blocks a burst of attempts before any CDR exists: the 5th attempt in a minute blocks the caller and IP (EV12)', () => {
    const { s, verdicts } = service();
    const answers = [0, 10, 20, 30, 40, 50].map((sec) => s.check(call({ callee: `+5511400020${sec}` }), NOW + sec * 1000));
    assert.deepEqual(
      answers.map((a) => a.action),
      ['allow', 'allow', 'allow', 'allow', 'block', 'block'],
    );
    assert.deepEqual(answers[4]?.reasons.map((r) => r.rule).sort(), ['attempt-velocity-caller', 'attempt-velocity-ip']);
    assert.deepEqual(
      verdicts
        .filter((v) => v.kind === 'block')
        .map((v) => `${v.rule} ${v.subject.kind}:${v.subject.value} ${(v.kind === 'block' && v.expiresAt - v.startsAt) || 0}`)
        .sort(),
      ['attempt-velocity-caller caller:+551130001000 300000', 'attempt-velocity-ip ip:203.0.113.7 300000'],
    );
    // a different caller from another IP is not affected
    assert.equal(s.check(call({ caller: '+551130002222', ip: '198.51.100.1' }), NOW + 55_000).action, 'allow');
  });

  it('G3, EV12: a PBX trunk asking for 200 calls at 50 calls/s from its known address is not refused; a new address still is', () => {
    const { s } = service();
    const trunk = '200.160.7.7';
    const caller = (i: number) => `+5511300${String(10_000 + (i % 150))}`;
    // an ordinary hour earlier: the trunk's 150 DIDs each asked once, 24 s apart
    for (let i = 0; i < 150; i++) s.check(call({ ip: trunk, caller: caller(i), callee: `+55114${String(1_000_000 + i)}` }), NOW - 3_600_000 + i * 24_000);
    const burst = Array.from({ length: 200 }, (_, i) =>
      s.check(call({ ip: trunk, caller: caller(i), callee: `+55115${String(1_000_000 + i)}` }), NOW + i * 20),
    );
    assert.equal(burst.filter((a) => a.action === 'block').length, 0, 'a shared address is warned about, never refused whole');
    // the same burst from an address never seen before: EV12's strict 5 a minute
    const stranger = Array.from({ length: 20 }, (_, i) =>
      s.check(call({ ip: '45.9.1.2', caller: caller(i), callee: `+55116${String(1_000_000 + i)}` }), NOW + 10_000 + i * 20),
    );
    assert.deepEqual(
      stranger.slice(0, 5).map((a) => a.action),
      ['allow', 'allow', 'allow', 'allow', 'block'],
    );
  });

  it('blocks repeated out-of-profile attempts (EV13) on the caller', () => {
    const { s, verdicts } = service();
    for (let i = 0; i < 5; i++) s.check(call({ callee: `00351211234${i}67`, ip: `198.51.100.${i}` }), NOW + i);
    assert.ok(verdicts.some((v) => v.kind === 'block' && v.rule === 'attempt-out-of-profile'));
  });

  it('counts an INVITE retransmitted and asked about again (same Call-ID and numbers) once, yet answers it against current blocks', () => {
    // the same out-of-profile call asked 10 times, 500 ms apart, as SIP retransmits an unanswered INVITE
    const { s, verdicts } = service();
    const retransmitted = call({ callee: '00351211234567', callId: 'a84b4c76e66710@pbx.example' });
    const answers = Array.from({ length: 10 }, (_, i) => s.check(retransmitted, NOW + i * 500));
    assert.deepEqual(verdicts, [], 'one call, one attempt: EV12 and EV13 see it once');
    assert.equal(s.retransmissions, 9);
    assert.deepEqual(new Set(answers.map((a) => a.reasons.map((r) => r.rule).join())), new Set(['profile-international']));
    // a block that arrives while the INVITE is still retransmitted applies to the next copy
    s.table.apply(block({ subject: { kind: 'caller', value: '+551130001000' } }), NOW + 5_000);
    assert.ok(s.check(retransmitted, NOW + 5_500).reasons.some((r) => r.rule === 'velocity-caller'));
  });

  it('still counts each call of a UA that reuses one Call-ID for other numbers, and a Call-ID asked again after 32 s', () => {
    const { s, verdicts } = service();
    for (let i = 0; i < 5; i++) s.check(call({ callee: `00351211234${i}67`, callId: 'same-for-all' }), NOW + i);
    assert.ok(verdicts.some((v) => v.kind === 'block' && v.rule === 'attempt-out-of-profile'));
    const later = service();
    for (let i = 0; i < 5; i++) later.s.check(call({ callee: '00351211234567', callId: 'reused' }), NOW + i * 33_000);
    assert.equal(later.s.retransmissions, 0);
  });

  it("previews the answer without counting an attempt: the console's tester never feeds the attempt rules", () => {
    const { s, verdicts } = service();
    s.table.apply(block({ subject: { kind: 'caller', value: '+551130009999' } }), NOW);
    const blocked = s.preview(call({ caller: '+551130009999' }), NOW);
    assert.deepEqual([blocked.action, blocked.policy, blocked.reasons.map((r) => r.blockId)], ['block', 'normal', ['b1']]);
    // ten previews of a burst in a minute: the attempt rules would block at the 5th real check
    const answers = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45].map((sec) => s.preview(call({ callee: `+5511400020${sec}` }), NOW + sec * 1000));
    assert.ok(answers.every((a) => a.action === 'allow'));
    assert.deepEqual(verdicts, []);
    assert.deepEqual(s.counts, { allow: 0, block: 0, throttle: 0, shed: 0 });
    assert.equal(s.check(call({ callee: '+551140002099' }), NOW + 50_000).action, 'allow', 'the real checks start from zero');
    const stale = s.preview(call(), NOW + 60_000);
    assert.deepEqual([stale.policy, stale.degraded], ['fail-open', 'stale']);
  });

  it('previews with the rules a hot reload put in force, as the real checks answer', () => {
    const { s } = service();
    const listed = call({ account: 'revoked' });
    assert.equal(s.preview(listed, NOW).action, 'allow');
    const profiles = profilesFileSpec.parse({ tenants: { acme: { lists: { deny: { accounts: ['revoked'] } } } } });
    s.useAttemptRules(createEngine({ ...DEFAULT_RULES, profiles }, BASE, { on: 'attempt', allowedLatenessMs: 5_000 }));
    const [previewed, checked] = [s.preview(listed, NOW), s.check(listed, NOW)];
    assert.deepEqual([previewed.action, checked.action], ['block', 'block']);
    assert.deepEqual(previewed.reasons, checked.reasons);
  });

  it('counts every answer for the NOC: per tenant and minute, degraded answers under their policy, shed ones apart (issue 17)', () => {
    const { s } = service({ failPolicy: 'closed' });
    s.table.apply(block(), NOW);
    s.check(call({ caller: '+551130009999' }), NOW);
    s.check(call(), NOW + 1_000);
    s.shed(call({ tenant: 'globex' }), NOW + 2_000);
    s.check(call({ caller: '+551130009999' }), NOW + 60_000); // the feed is silent: stale, fail-closed
    const row = (tenant: string) => s.decisions.take().find((r) => r.tenant === tenant);
    const counted = s.decisions.take(NOW + 60_000);
    assert.deepEqual(
      counted.map((r) => [r.tenant, r.allow, r.block, r.failClosed, r.shed]),
      [
        ['acme', 1, 1, 0, 0],
        ['(shed)', 0, 0, 0, 1],
      ],
      'a shed request is unauthenticated: counted apart, not under the tenant it names',
    );
    assert.equal(row('acme')?.failClosed, 1);
  });

  it('a flood of shed requests naming made-up tenants does not push real tenants into (other)', () => {
    const { s } = service();
    for (let i = 0; i < MAX_TENANTS_PER_MINUTE + 10; i++) s.shed(call({ tenant: `made-up-${i}` }), NOW);
    s.check(call(), NOW + 1_000);
    s.check(call({ tenant: 'globex' }), NOW + 2_000);
    assert.deepEqual(
      s.decisions.take().map((r) => [r.tenant, r.allow, r.shed]),
      [
        [SHED_TENANT, 0, MAX_TENANTS_PER_MINUTE + 10],
        ['acme', 1, 0],
        ['globex', 1, 0],
      ],
    );
  });
});
