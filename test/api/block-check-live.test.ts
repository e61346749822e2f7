import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockCheckService, type CheckQuery } from '../../src/api/block-check.js';
import { BlockTable } from '../../src/domain/blocks/block-table.js';
import { createEngine } from '../../src/domain/engine/build.js';
import type { Verdict } from '../../src/domain/engine/verdicts.js';
import { profilesFileSpec } from '../../src/domain/rules/profile-spec.js';
import { DEFAULT_RULES } from '../domain/engine/harness.js';

const NOW = Date.parse('2026-03-02T15:00:00-03:00');
const BASE = { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' } };

/** Caps without the shipped throttle (its floor out of reach). */
const NO_THROTTLE = { throttle: { floor: 1000, factor: 1, calls: 1, per: '1m' } };

/** acme/travel may call abroad; its live calls are capped as given (the shipped defaults otherwise). */
function service(concurrency?: unknown, live = true) {
  const verdicts: Verdict[] = [];
  const travel = { international: { policy: 'allow' }, ...(concurrency ? { concurrency } : {}) };
  const profiles = profilesFileSpec.parse({ defaults: DEFAULT_RULES.profiles.defaults, tenants: { acme: { accounts: { travel } } } });
  const attempts = createEngine({ ...DEFAULT_RULES, profiles }, BASE, { on: 'attempt', allowedLatenessMs: 5_000 });
  const s = new BlockCheckService({
    attempts,
    table: new BlockTable(),
    failPolicy: 'open',
    staleAfterMs: 3_600_000,
    onVerdicts: (v) => verdicts.push(...v),
    ...(live ? { liveCalls: { maxAgeMs: 4 * 3_600_000, toleranceMs: 60_000 } } : {}),
  });
  s.markLoaded(NOW);
  return { s, verdicts };
}

/** The n-th of an attack's calls: caller n of the account, to a Nigerian mobile, dialled the way the PBX sends it. */
const intl = (n: number, q: Partial<CheckQuery> = {}): CheckQuery => ({
  tenant: 'acme',
  account: 'travel',
  caller: `11300010${String(n).padStart(2, '0')}`,
  callee: `00234803123${String(4500 + n)}`,
  callId: `attack-${n}@pbx`,
  ...q,
});

describe('block-check: live concurrent calls (issue 16)', () => {
  it('held-out miss: 25 simultaneous 1-2 h international calls on one account; the 11th is refused before any CDR exists', () => {
    const { s, verdicts } = service({ international: 10, ...NO_THROTTLE });
    const answers = Array.from({ length: 25 }, (_, n) => s.check(intl(n), NOW + n * 2_000));
    assert.deepEqual(
      answers.map((a) => a.action),
      [...Array<string>(10).fill('allow'), ...Array<string>(15).fill('block')],
    );
    assert.deepEqual(answers[10]?.reasons, [
      { rule: 'concurrent-calls', subject: 'account:travel', expiresAt: null, detail: '11 live international calls (cap 10)' },
    ]);
    const alerts = verdicts.filter((v) => v.rule === 'concurrent-calls');
    assert.equal(alerts.length, 1, 'one critical alert, then quiet');
    assert.equal(alerts[0]?.kind === 'alert' && alerts[0].details['value'], 11);
    assert.equal(s.graded.refusals['concurrent-calls'], 15);
    // an hour later the first call's CDR arrives (matched by Call-ID): one place frees, one more call may go
    s.ended({ tenant: 'acme', account: 'travel', caller: '+551130001000', callee: '+2348031234500', startedAt: NOW, callId: 'attack-0@pbx' }, NOW + 3_600_000);
    assert.equal(s.check(intl(30), NOW + 3_600_000).action, 'allow');
    assert.equal(s.check(intl(31), NOW + 3_600_000).action, 'block');
  });

  it('closes a call by caller, callee and start when the CDR has no Call-ID, numbers read with the dial plan', () => {
    const { s } = service({ international: 2, ...NO_THROTTLE });
    s.check(intl(1, { callId: undefined }), NOW);
    s.check(intl(2, { callId: undefined }), NOW);
    assert.equal(s.check(intl(3), NOW + 1_000).action, 'block');
    // the CDR writes the numbers in E.164 and starts 3 s after the check (the PBX's clock)
    s.ended({ tenant: 'acme', account: 'travel', caller: '+551130001001', callee: '+2348031234501', startedAt: NOW + 3_000 }, NOW + 600_000);
    assert.equal(s.check(intl(3), NOW + 600_000).action, 'allow');
    assert.equal(s.graded.concurrency?.live.size, 2);
  });

  it('a retransmission of a live call is answered allow and counted once; emergency calls always pass and never count', () => {
    const { s } = service({ international: 1, max: 1, ...NO_THROTTLE });
    assert.equal(s.check(intl(1), NOW).action, 'allow');
    assert.equal(s.check(intl(1), NOW + 500).action, 'allow', 'the same INVITE asked about again');
    for (let i = 0; i < 3; i++) {
      const a = s.check({ tenant: 'acme', account: 'travel', caller: '1130001001', callee: '190' }, NOW + 1_000 + i);
      assert.deepEqual([a.action, a.emergency], ['allow', true]);
    }
    assert.equal(s.graded.concurrency?.live.size, 1);
    assert.equal(s.check(intl(2), NOW + 2_000).action, 'block');
  });

  it('calls whose CDR never arrives stop counting after the bound (4 h)', () => {
    const { s } = service({ international: 1, ...NO_THROTTLE });
    s.check(intl(1), NOW);
    assert.equal(s.check(intl(2), NOW + 3_600_000).action, 'block');
    assert.equal(s.check(intl(3), NOW + 4 * 3_600_000).action, 'allow');
  });

  it('without a source of CDR ends (server mode without a call-ends topic) nothing is tracked or refused', () => {
    const { s } = service({ international: 1, ...NO_THROTTLE }, false);
    assert.deepEqual(
      [0, 1, 2].map((n) => s.check(intl(n), NOW).action),
      ['allow', 'allow', 'allow'],
    );
  });
});

describe('block-check: graded action throttle (issue 16)', () => {
  it('above the usual peak, the account is throttled: 2 international calls a minute pass as `throttle`, the rest are refused', () => {
    const { s, verdicts } = service(); // the shipped defaults: cap 10, throttle above max(5, 2 × usual peak)
    const answers = Array.from({ length: 9 }, (_, n) => s.check(intl(n), NOW + n * 1_000));
    assert.deepEqual(
      answers.map((a) => a.action),
      ['allow', 'allow', 'allow', 'allow', 'allow', 'throttle', 'throttle', 'block', 'block'],
    );
    assert.deepEqual(answers[5]?.throttle, { calls: 2, per: '1m' });
    const t = answers[5]?.reasons[0];
    assert.deepEqual([t?.rule, t?.subject, t?.throttle], ['concurrent-calls', 'account:travel', { calls: 2, per: '1m' }]);
    assert.equal(answers[7]?.reasons[0]?.blockId, t?.blockId, 'refused by the same throttle, beyond its rate');
    const issued = verdicts.filter((v) => v.kind === 'block');
    assert.equal(issued.length, 1, 'one throttle, stored and distributed like any block');
    assert.equal(s.table.size, 1);
    // a national call of the account is not throttled (scope international); a minute later two more pass
    assert.equal(s.check(intl(20, { callee: '1140002000' }), NOW + 10_000).action, 'allow');
    assert.equal(s.check(intl(21), NOW + 64_000).action, 'block', 'both passed calls (5 s, 6 s) are within the last minute');
    assert.equal(s.check(intl(22), NOW + 66_000).action, 'throttle');
    assert.equal(s.graded.refusals.throttle, 3);
    assert.equal(s.counts.throttle, 3);
  });
});

describe('block-check: a callee that is no number (issue 16)', () => {
  for (const callee of ['abc', "1' OR '1'='1", 'DROP TABLE cdrs; --', 'sip:alice@example.com', '+55 11 ABCD-0000', `1${'9'.repeat(30)}`, '\u0007\u0008']) {
    it(`refuses ${JSON.stringify(callee)} with rule invalid-callee and code CALLEE_NOT_DIALABLE`, () => {
      const { s } = service();
      const a = s.check({ tenant: 'acme', account: 'sales', caller: '1130001000', callee }, NOW);
      assert.equal(a.action, 'block');
      assert.deepEqual([a.reasons[0]?.rule, a.reasons[0]?.code], ['invalid-callee', 'CALLEE_NOT_DIALABLE']);
      assert.match(a.reasons[0]?.detail ?? '', /^the callee is not a dialable number: /);
      assert.equal(s.graded.refusals['invalid-callee'], 1);
    });
  }
  it('still allows what a PBX dials: extensions, feature codes, numbers with separators, emergency numbers', () => {
    const { s } = service();
    for (const callee of ['2001', '*97', '(11) 4000-2000', '+55 11 4000-2000', '190', '0 190']) {
      assert.equal(s.check({ tenant: 'acme', account: 'sales', caller: '1130001000', callee }, NOW).action, 'allow', callee);
    }
  });
});
