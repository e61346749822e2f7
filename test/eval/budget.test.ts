import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetFor, budgetText, judgeBudget } from '../../src/eval/budget.js';
import { CdrIndex, parseReplayLine, type RefusalRecord, type VerdictRecord } from '../../src/eval/inputs.js';
import { report } from '../../src/eval/report.js';
import { score, summary } from '../../src/eval/score.js';
import { BUDGETS } from '../../src/sim/budgets.js';
import { labelsSchema } from '../../src/sim/labels.js';

describe('evaluate: budgets', () => {
  it('judges the CDR path (count and money, both when set) and the attempt path; either is enough', () => {
    assert.deepEqual(judgeBudget({ cdrs: 5 }, { arrived: 5, arrivedCost: 99 }), { budget: { cdrs: 5 }, within: true, by: 'cdrs' });
    assert.equal(judgeBudget({ cdrs: 5 }, { arrived: 6 }).within, false);
    assert.equal(judgeBudget({ cdrs: 5, cost: 10 }, { arrived: 3, arrivedCost: 10.5 }).within, false);
    assert.equal(judgeBudget({ cost: 0, attempts: 1 }, { arrived: 12, arrivedCost: 0 }).by, 'cdrs');
    assert.deepEqual(judgeBudget({ cost: 0, attempts: 1 }, { arrived: 12, arrivedCost: 4.4, firstRefusedAttempt: 1 }).by, 'attempts');
    assert.equal(judgeBudget({ attempts: 10 }, { arrived: 1, arrivedCost: 0 }).within, false, 'no CDR limit: only a refusal counts');
    assert.equal(judgeBudget({ attempts: 10 }, { firstRefusedAttempt: 11 }).within, false);
    assert.equal(budgetText({ cdrs: 5, cost: 150, attempts: 1 }), 'CDRs <= 5 and R$ <= 150 or attempt <= 1');
  });

  it('a label without a budget takes its type default; unknown types have none', () => {
    const base = { id: 'e', description: '', tenant: 't', startsAt: '2026-04-16T10:00:00-03:00', endsAt: '2026-04-16T10:00:00-03:00' };
    const e = labelsSchema.shape.episodes.element.parse({ ...base, type: 'wangiri', acceptable: [{ kind: 'destPrefix', value: '+2222' }], cdrIds: ['a'] });
    assert.deepEqual(budgetFor(e), BUDGETS['wangiri']);
    const own = { ...e, type: 'my-attack', budget: { cdrs: 3 } };
    assert.deepEqual(budgetFor(own), { cdrs: 3 });
    assert.equal(budgetFor({ ...e, type: 'my-attack' }), undefined);
  });
});

describe('evaluate: refused attempts and budgets on hand-built labels', () => {
  // a Wangiri: two one-ring inbound CDRs (r1, r2), then two callbacks (c1 at 11:00, c2 at 11:30, R$ 5 each, no cost
  // in the CDR: the labels carry it); one legitimate call (l1) refused too
  const labels = labelsSchema.parse({
    version: 1,
    seed: 1,
    days: 1,
    start: '2026-04-16T00:00:00-03:00',
    end: '2026-04-17T00:00:00-03:00',
    timeZone: 'America/Sao_Paulo',
    population: {},
    episodes: [
      {
        id: 'ep-w',
        type: 'wangiri',
        description: 'one ring, callbacks',
        tenant: 'acme',
        startsAt: '2026-04-16T10:00:00-03:00',
        endsAt: '2026-04-16T11:35:00-03:00',
        acceptable: [{ kind: 'destPrefix', value: '+2222' }],
        cdrIds: ['r1', 'r2', 'c1', 'c2'],
        cdrCosts: [0, 0, 5, 5],
      },
    ],
    legitimate: [{ tenant: 'acme', kind: 'caller', value: '+551130002001', population: 'sme-office' }],
  });
  const index = new CdrIndex();
  const cdr = (id: string, start: string, end: string, direction: string) => JSON.stringify({ id, startedAt: start, endedAt: end, direction });
  for (const l of [
    cdr('r1', '2026-04-16T10:00:00-03:00', '2026-04-16T10:00:02-03:00', 'inbound'),
    cdr('r2', '2026-04-16T10:01:00-03:00', '2026-04-16T10:01:01-03:00', 'inbound'),
    cdr('l1', '2026-04-16T10:30:00-03:00', '2026-04-16T10:32:00-03:00', 'outbound'),
    cdr('c1', '2026-04-16T11:00:00-03:00', '2026-04-16T11:05:00-03:00', 'outbound'),
    cdr('c2', '2026-04-16T11:30:00-03:00', '2026-04-16T11:35:00-03:00', 'outbound'),
  ])
    index.add(l);
  const parse = (o: object, n: number) => parseReplayLine(JSON.stringify({ tenant: 'acme', ...o }), n);
  const refused = (callId: string, at: string, rule: string, n: number) =>
    parse({ kind: 'refused', callId, at, action: 'block', reasons: [{ rule, subject: 'destPrefix:+2222', expiresAt: null }] }, n) as RefusalRecord;

  it('the first callback refused: detected within budget by the attempt path, its true cost prevented', () => {
    const refusals = [refused('c1', '2026-04-16T14:00:00Z', 'wangiri-callback', 1), refused('c2', '2026-04-16T14:30:00Z', 'wangiri-callback', 2)];
    const s = score(
      labels,
      (id) => index.get(id),
      [],
      undefined,
      refusals,
      (t) => index.arrivedBefore(t),
    );
    const e = s.episodes[0];
    assert.ok(e?.detected);
    assert.equal(e?.first, undefined);
    assert.deepEqual([e?.refused, e?.prevented, e?.firstRefusedAttempt, e?.fraudCost], [2, 10, 1, 10]);
    assert.deepEqual(e?.budget, { budget: BUDGETS['wangiri'], within: true, by: 'attempts' });
    const sum = summary(s);
    assert.deepEqual([sum['withinBudget'], sum['missedBudget'], sum['fraudCostPrevented'], sum['legitCallsRefused']], [1, [], 10, 0]);
    assert.ok(report(s, labels.timeZone).some((l) => l.startsWith('block-check attempts: 2 fraud calls refused (R$ 10.00 prevented), 0 legitimate')));
  });

  it('only the second callback refused and an alert after the first callback arrived: over budget, a legitimate refusal counted', () => {
    // an attempt rule's alert without CDR evidence is placed after the CDRs that arrived before its time (r1, r2, l1, c1)
    const alert = parse(
      { kind: 'alert', rule: 'wangiri-range', severity: 'critical', subject: 'destPrefix:+2222', at: '2026-04-16T14:20:00Z', evidence: ['attempt-7'] },
      1,
    ) as VerdictRecord;
    const refusals = [refused('c2', '2026-04-16T14:30:00Z', 'wangiri-callback', 2), refused('l1', '2026-04-16T13:30:00Z', 'velocity-ip', 3)];
    const s = score(
      labels,
      (id) => index.get(id),
      [alert],
      undefined,
      refusals,
      (t) => index.arrivedBefore(t),
    );
    const e = s.episodes[0];
    assert.deepEqual([e?.arrived, e?.arrivedCost, e?.firstRefusedAttempt], [3, 5, 2]);
    assert.equal(e?.budget?.within, false);
    const sum = summary(s);
    assert.deepEqual([sum['missedBudget'], sum['legitCallsRefused'], sum['legitRefusedByRule']], [['ep-w'], 1, { 'velocity-ip': 1 }]);
    assert.ok(report(s, labels.timeZone).some((l) => l.includes('ep-w wangiri: budget R$ <= 0 or attempt <= 1')));
  });
});
