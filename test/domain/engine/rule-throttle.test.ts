import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRuleFiles } from '../../../src/adapters/files/rule-files.js';
import { blockVersion } from '../../../src/domain/blocks/block.js';
import { createEngine } from '../../../src/domain/engine/build.js';
import { SentinelaError } from '../../../src/errors.js';
import { alertsOf, blocksOf, DEFAULT_RULES, harness, series, throttlesOf } from './harness.js';
import { gradedRule } from './graded-rule.js';

const GRADED = gradedRule('international');

function refusal(rule: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-throttle-rules-'));
  writeFileSync(join(dir, 'r.yaml'), JSON.stringify({ rules: [rule] }));
  try {
    loadRuleFiles(dir);
  } catch (err) {
    assert.ok(err instanceof SentinelaError);
    assert.equal(err.code, 'RULES_INVALID');
    return err.message;
  }
  assert.fail('expected the rule to be refused');
}

describe('rule throttle: the rule-file field (issue 16 item 7)', () => {
  it('accepts the field, defaults its scope to all, and compiles the rate and duration', () => {
    const h = harness({ only: [], rules: [{ ...GRADED, throttle: { calls: 2, per: '1m', for: '30m' } }] });
    const verdicts = h.feed(...series('2026-03-02T10:00:00-03:00', 3, 10, (at) => h.call(at)));
    assert.deepEqual(
      throttlesOf(verdicts).map((t) => [t.scope, t.throttle, t.expiresAt - t.startsAt]),
      [['all', { calls: 2, perMs: 60_000 }, 1_800_000]],
    );
  });

  it('refuses bad values, naming the field', () => {
    const bad = (throttle: unknown, extra: Record<string, unknown> = {}) => refusal({ ...GRADED, ...extra, throttle });
    const t = GRADED.throttle;
    assert.match(bad({ ...t, calls: 0 }), /rule graded-account: throttle\.calls: must be at least 1 call/);
    assert.match(bad({ ...t, calls: 1.5 }), /throttle\.calls: /);
    assert.match(bad({ ...t, per: '1 minute' }), /throttle\.per: must be a duration such as 60s/);
    assert.match(bad({ ...t, per: '0s' }), /throttle\.per: must be longer than 0s/);
    assert.match(bad({ ...t, for: '30s' }), /throttle\.for: must be at least per \(1m\)/);
    assert.match(bad({ ...t, scope: 'national' }), /throttle\.scope: /);
    assert.match(bad({ ...t, rate: 3 }), /throttle: .*rate/);
    assert.match(bad({ calls: 2, per: '1m' }), /throttle\.for: /);
    assert.match(bad(t, { thresholds: { critical: 6 } }), /throttle: is issued at the warn threshold: give thresholds\.warn/);
    assert.match(
      bad(t, { key: 'destCountry', block: undefined, thresholds: { warn: 3, critical: 6 } }),
      /throttle: a destination country is alerted on, never throttled whole/,
    );
  });

  it('refuses a throttle the block could not supersede cleanly, or that would never be issued, naming the field', () => {
    const t = GRADED.throttle;
    const blockInternational = { duration: '10m', scope: 'international' };
    assert.match(
      refusal({ ...GRADED, throttle: { ...t, scope: 'all' }, block: blockInternational }),
      /rule graded-account: throttle\.scope: must not be wider than block\.scope \(international\): the block would lift the throttle of national calls/,
    );
    // as wide as the block, or narrower: accepted
    harness({ only: [], rules: [{ ...GRADED, block: blockInternational }] });
    harness({ only: [], rules: [{ ...GRADED, throttle: { ...t, scope: 'all' } }] });
    assert.match(
      refusal({ ...GRADED, thresholds: { warn: 6, critical: 6 } }),
      /rule graded-account: thresholds\.warn: must be below the block threshold \(6\): the throttle would never be issued/,
    );
    assert.match(refusal({ ...GRADED, block: { at: 3, duration: '10m' } }), /thresholds\.warn: must be below the block threshold \(3\)/);
    assert.match(
      refusal({
        ...GRADED,
        thresholds: { warn: { floor: 5, factor: 1 }, critical: { floor: 8, factor: 2 } },
        baseline: 'learned',
        block: { at: 4, duration: '10m' },
      }),
      /thresholds\.warn: must be below the block threshold \(4\)/,
    );
    // scaled: below the block at every baseline only when the warn scales strictly slower than the block
    const scaled = (warn: unknown, block: Record<string, unknown> = { duration: '10m' }) =>
      refusal({ ...GRADED, thresholds: { warn, critical: { floor: 8, factor: 2 } }, baseline: 'learned', block });
    assert.match(scaled({ floor: 5, factor: 3 }), /thresholds\.warn: must scale slower than the block threshold \(factor 3 >= 2\)/);
    assert.match(scaled({ floor: 5, factor: 2 }), /thresholds\.warn: must scale slower than the block threshold \(factor 2 >= 2\)/);
    // block.at scales with the critical threshold: at 9 of a critical { 8, 2 }, by 2.25
    assert.match(scaled({ floor: 5, factor: 2.5 }, { at: 9, duration: '10m' }), /factor 2\.5 >= 2\.25/);
    const ok = { floor: 5, factor: 1 };
    for (const block of [{ duration: '10m' }, { at: 9, duration: '10m' }]) {
      harness({ only: [], rules: [{ ...GRADED, thresholds: { warn: ok, critical: { floor: 8, factor: 2 } }, baseline: 'learned', block }] });
    }
  });

  it('ships on exposure-account-fast only, as a graded answer before its block', () => {
    const graded = DEFAULT_RULES.rules.filter((r) => r.throttle !== undefined);
    assert.deepEqual(
      graded.map((r) => [r.id, r.throttle]),
      [['exposure-account-fast', { calls: 2, per: '1m', for: '30m', scope: 'international' }]],
    );
  });
});

describe('rule throttle: the engine answers warn with a throttle and critical with the block (fixed clock)', () => {
  it('throttles the subject at warn (one Block with a rate, the rule id and reason), stays quiet while it runs, then the block supersedes it', () => {
    const h = harness({ only: [], rules: [GRADED] });
    const calls = series('2026-03-02T10:00:00-03:00', 6, 20, (at, i) => h.call(at, { caller: `+55113000100${i}` }));
    const atWarn = h.feed(...calls.slice(0, 3));
    assert.deepEqual(
      alertsOf(atWarn).map((a) => a.severity),
      ['warn'],
    );
    const [throttle] = throttlesOf(atWarn);
    assert.ok(throttle);
    const thirdEnd = calls[2]?.endedAt as number;
    assert.deepEqual(
      [throttle.rule, throttle.subject, throttle.scope, throttle.throttle, throttle.source, throttle.state, throttle.startsAt, throttle.expiresAt],
      ['graded-account', { kind: 'account', value: 'sales' }, 'international', { calls: 2, perMs: 60_000 }, 'rule', 'active', thirdEnd, thirdEnd + 1_800_000],
    );
    assert.equal(throttle.reason, '3 calls within 5m (throttles at 3): 2 international calls per 1m for 30m: Calls of one account within 5 minutes');
    assert.deepEqual(throttle.evidence, ['c1', 'c2', 'c3']);
    assert.deepEqual(blocksOf(atWarn), [], 'no block at warn');

    // calls 4 and 5 are above warn, below critical: the running throttle keeps the rule quiet (no second throttle)
    assert.deepEqual(h.feed(...calls.slice(3, 5)), []);

    // call 6 reaches critical: the block, and the throttle's lifted state (a lift outranks the active row)
    const atCritical = h.feed(calls[5] as (typeof calls)[number]);
    assert.deepEqual(
      atCritical.map((v) => [v.kind, v.kind === 'alert' ? v.severity : v.state, v.kind === 'block' && v.throttle !== undefined]),
      [
        ['alert', 'critical', false],
        ['block', 'lifted', true],
        ['block', 'active', false],
      ],
    );
    const [block] = blocksOf(atCritical);
    const lifted = throttlesOf(atCritical)[0];
    assert.ok(block && lifted);
    assert.equal(lifted.id, throttle.id, 'a new state of the same throttle');
    assert.deepEqual([lifted.liftedAt, lifted.liftedBy, lifted.liftReason], [block.startsAt, 'rule:graded-account', `superseded by block ${block.id}`]);
    assert.ok(blockVersion(lifted) > blockVersion(throttle), 'the lift replaces the stored throttle');
    assert.deepEqual([block.scope, block.expiresAt - block.startsAt], ['all', 600_000]);
    const stats = h.engine.ruleStats.get('graded-account');
    assert.deepEqual([stats?.alerts, stats?.throttles, stats?.blocks], [2, 1, 1]);
  });

  it('a value that jumps past the block at once gets the block alone; an expired throttle is not lifted again', () => {
    const h = harness({ only: [], rules: [{ ...GRADED, thresholds: { warn: 3, critical: 4 }, throttle: { calls: 2, per: '1m', for: '1m' } }] });
    // four calls ending together (long calls on four lines): warn and critical reached by one CDR each
    const together = series('2026-03-02T10:00:00-03:00', 4, 0, (at, i) => h.call(at, { caller: `+55113000100${i}` }));
    const v = h.feed(...together);
    assert.equal(throttlesOf(v).filter((t) => t.state === 'active').length, 1);
    // the throttle ran for one minute; the block (at the 4th CDR, same end) lifts it since it still runs
    assert.equal(throttlesOf(v).filter((t) => t.state === 'lifted').length, 1);

    const h2 = harness({ only: [], rules: [{ ...GRADED, thresholds: { warn: 3, critical: 4 }, throttle: { calls: 2, per: '1m', for: '1m' } }] });
    const spread = series('2026-03-02T10:00:00-03:00', 4, 70, (at, i) => h2.call(at, { caller: `+55113000100${i}`, billSec: 5 }));
    const w = h2.feed(...spread);
    assert.deepEqual(
      w.map((x) => (x.kind === 'alert' ? x.severity : x.throttle ? `throttle-${x.state}` : 'block')),
      ['warn', 'throttle-active', 'critical', 'block'],
      'the throttle ended a minute after the warn: nothing to lift',
    );
  });

  it('after a restart, a restored throttle keeps the warn quiet, is no offence for escalation, and is lifted by the block', () => {
    const first = harness({ only: [], rules: [GRADED] });
    const calls = series('2026-03-02T10:00:00-03:00', 3, 20, (at, i) => first.call(at, { caller: `+55113000100${i}` }));
    const [throttle] = throttlesOf(first.feed(...calls));
    assert.ok(throttle);

    const h = harness({ only: [], rules: [GRADED] });
    h.engine.restoreBlock(throttle);
    for (const c of calls) h.engine.process(c, c.endedAt, true);
    const more = series('2026-03-02T10:01:00-03:00', 3, 20, (at, i) => h.call(at, { id: `after-restart-${i}`, caller: `+55113000200${i}` }));
    const v = h.feed(...more);
    assert.deepEqual(
      v.map((x) => (x.kind === 'alert' ? x.severity : x.throttle ? `throttle-${x.state}` : `block-level-${x.level}`)),
      ['critical', 'throttle-lifted', 'block-level-1'],
    );
  });

  it("a throttle restored from a reader's reused entry is kept as a copy: the entry refilled with the next line changes nothing", () => {
    const first = harness({ only: [], rules: [GRADED] });
    const calls = series('2026-03-02T10:00:00-03:00', 3, 20, (at, i) => first.call(at, { caller: `+55113000100${i}` }));
    const [throttle] = throttlesOf(first.feed(...calls));
    assert.ok(throttle?.throttle);

    const h = harness({ only: [], rules: [GRADED] });
    const subject = { ...throttle.subject };
    const rate = { ...throttle.throttle };
    const entry = { ...throttle, subject, throttle: rate };
    h.engine.restoreBlock(entry);
    // BlockLineReader fills the same objects with its next line
    Object.assign(entry, { id: 'next-line', expiresAt: 0, rule: 'velocity-caller' });
    Object.assign(subject, { value: '+5511999999999' });
    Object.assign(rate, { calls: 99 });
    for (const c of calls) h.engine.process(c, c.endedAt, true);
    const more = series('2026-03-02T10:01:00-03:00', 3, 20, (at, i) => h.call(at, { id: `after-restart-${i}`, caller: `+55113000200${i}` }));
    const lifted = throttlesOf(h.feed(...more)).find((t) => t.state === 'lifted');
    assert.ok(lifted);
    assert.deepEqual([lifted.id, lifted.subject, lifted.throttle, lifted.expiresAt], [throttle.id, throttle.subject, throttle.throttle, throttle.expiresAt]);
  });

  it('the shipped exposure-account-fast throttles the international calls of an account at R$ 150 and blocks at R$ 300', () => {
    const profiles = { tenants: { acme: { international: { policy: 'allow' } } } };
    const h = harness({ only: ['exposure-account-fast'], profiles });
    // 10-minute calls to Cuba (R$ 6/min in rates.csv) on six lines, ending a minute apart
    const calls = series('2026-03-02T10:00:00-03:00', 6, 60, (at, i) =>
      h.call(at, { caller: `+55113000100${i}`, callee: `+535${String(1_000_000 + i * 7919).slice(-7)}`, billSec: 600, cost: 60 }),
    );
    const v = h.feed(...calls);
    assert.deepEqual(
      v.map((x) => (x.kind === 'alert' ? `${x.severity} ${x.details['value']}` : x.throttle ? `throttle-${x.state} ${x.scope}` : `block ${x.scope}`)),
      ['warn 180', 'throttle-active international', 'critical 300', 'throttle-lifted international', 'block international'],
    );
    assert.deepEqual(throttlesOf(v)[0]?.throttle, { calls: 2, perMs: 60_000 });
  });

  it('an engine without throttles is unchanged: the same CDRs give the same verdicts', () => {
    const plain = { ...GRADED } as Record<string, unknown>;
    delete plain['throttle'];
    const rules = DEFAULT_RULES.rules.filter((r) => r.id === 'velocity-caller');
    const engine = createEngine(
      { ...DEFAULT_RULES, rules },
      { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' } },
    );
    assert.equal(engine.ruleStats.get('velocity-caller')?.throttles, 0);
    const h = harness({ only: [], rules: [plain] });
    const v = h.feed(...series('2026-03-02T10:00:00-03:00', 6, 20, (at, i) => h.call(at, { caller: `+55113000100${i}` })));
    assert.deepEqual(
      v.map((x) => (x.kind === 'alert' ? x.severity : x.throttle ? 'throttle' : 'block')),
      ['warn', 'critical', 'block'],
    );
  });
});
