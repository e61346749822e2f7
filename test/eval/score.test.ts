import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CdrIndex, parseVerdictLine, type VerdictRecord } from '../../src/eval/inputs.js';
import { report } from '../../src/eval/report.js';
import { score, spread, summary } from '../../src/eval/score.js';
import { labelsSchema, type Labels } from '../../src/sim/labels.js';

// two episodes of tenant acme on 2026-04-16 (-03:00), five legitimate subjects
const labels: Labels = labelsSchema.parse({
  version: 1,
  seed: 1,
  days: 1,
  start: '2026-04-16T00:00:00-03:00',
  end: '2026-04-17T00:00:00-03:00',
  timeZone: 'America/Sao_Paulo',
  population: { 'sme-office': 1 },
  episodes: [
    {
      id: 'ep-001',
      type: 'velocity-burst',
      description: 'ext. 2001 bursts',
      tenant: 'acme',
      startsAt: '2026-04-16T10:00:00-03:00',
      endsAt: '2026-04-16T10:01:00-03:00',
      acceptable: [
        { kind: 'caller', value: '+551130002001' },
        { kind: 'account', value: 'office' },
      ],
      cdrIds: ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'],
    },
    {
      id: 'ep-002',
      type: 'slow-drip',
      description: 'slow',
      tenant: 'acme',
      startsAt: '2026-04-16T14:00:00-03:00',
      endsAt: '2026-04-16T16:00:00-03:00',
      acceptable: [{ kind: 'caller', value: '+551130002002' }],
      cdrIds: ['g1', 'g2'],
    },
  ],
  legitimate: [
    { tenant: 'acme', kind: 'caller', value: '+551130002001', population: 'sme-office' },
    { tenant: 'acme', kind: 'caller', value: '+551130002003', population: 'sme-office' },
    { tenant: 'acme', kind: 'account', value: 'office', population: 'sme-office' },
    { tenant: 'acme', kind: 'ip', value: '189.1.2.3', population: 'sme-office' },
    { tenant: 'acme', kind: 'ip', value: '200.1.1.1', population: 'carrier-inbound' },
  ],
});

// file order: l1 f1 f2 l2 f3 f4 f5 f6 g1 l3 g2 (costs: fraud 1.5 each, g 10)
const FILE = ['l1', 'f1', 'f2', 'l2', 'f3', 'f4', 'f5', 'f6', 'g1', 'l3', 'g2'];
const cdrs = new CdrIndex();
for (const id of FILE) cdrs.add(JSON.stringify({ id, cost: id.startsWith('f') ? 1.5 : id.startsWith('g') ? 10 : 0.1 }));

let line = 0;
const verdict = (v: Record<string, unknown>): VerdictRecord =>
  parseVerdictLine(JSON.stringify({ tenant: 'acme', severity: 'critical', evidence: [], ...v }), ++line) as VerdictRecord;

describe('evaluate: scoring', () => {
  const verdicts = [
    // a warning on the right subject does not detect
    verdict({ kind: 'alert', rule: 'off-hours-call', severity: 'warn', subject: 'caller:+551130002001', at: '2026-04-16T13:00:30Z', evidence: ['f1', 'f2'] }),
    // the right subject in another tenant does not detect either
    verdict({ kind: 'alert', rule: 'velocity-caller', tenant: 'other', subject: 'caller:+551130002001', at: '2026-04-16T13:00:40Z', evidence: ['f3'] }),
    // detection: its evidence ends at f4, the 4th fraud CDR in file order
    verdict({ kind: 'alert', rule: 'velocity-caller', subject: 'caller:+551130002001', at: '2026-04-16T13:00:45Z', evidence: ['f1', 'f2', 'f3', 'f4'] }),
    verdict({
      kind: 'block',
      rule: 'velocity-caller',
      subject: 'caller:+551130002001',
      startsAt: '2026-04-16T13:00:45Z',
      expiresAt: '2026-04-16T13:05:45Z',
      evidence: ['f1', 'f2', 'f3', 'f4'],
    }),
    verdict({
      kind: 'block',
      rule: 'velocity-account',
      subject: 'account:office',
      startsAt: '2026-04-16T13:00:50Z',
      expiresAt: '2026-04-16T13:05:50Z',
      evidence: ['f5'],
    }),
    // the office NAT blocked: never acceptable, so a false positive even during the episode
    verdict({
      kind: 'block',
      rule: 'velocity-ip',
      subject: 'ip:189.1.2.3',
      startsAt: '2026-04-16T13:00:50Z',
      expiresAt: '2026-04-16T13:05:50Z',
      evidence: ['f5'],
    }),
    // the same account blocked the next morning: outside ep-001's window (end + 6 h), a false positive
    verdict({
      kind: 'block',
      rule: 'velocity-account',
      subject: 'account:office',
      startsAt: '2026-04-17T12:00:00Z',
      expiresAt: '2026-04-17T12:05:00Z',
      evidence: ['l3'],
    }),
    // a critical alert on a legitimate caller, and on the carrier's SBC
    verdict({ kind: 'alert', rule: 'velocity-caller', subject: 'caller:+551130002003', at: '2026-04-16T18:00:00Z', evidence: ['l2'] }),
    verdict({ kind: 'alert', rule: 'credential-stuffing', subject: 'ip:200.1.1.1', at: '2026-04-16T18:00:00Z', evidence: ['l2'] }),
    // a destination prefix nobody labelled
    verdict({
      kind: 'block',
      rule: 'traffic-pumping',
      subject: 'destPrefix:+3519',
      startsAt: '2026-04-16T18:00:00Z',
      expiresAt: '2026-04-16T19:00:00Z',
      evidence: ['l3'],
    }),
  ];
  const result = score(labels, (id) => cdrs.get(id), verdicts);

  it('detects an episode by a critical alert or block on an acceptable subject of its tenant, within its window', () => {
    const [ep1, ep2] = result.episodes;
    assert.equal(ep1?.detected, true);
    assert.deepEqual(ep1?.rules, ['velocity-account', 'velocity-caller']);
    assert.equal(ep1?.first?.rule, 'velocity-caller');
    assert.equal(ep1?.first?.kind, 'alert');
    assert.equal(ep2?.detected, false);
    assert.deepEqual(ep2?.rules, []);
  });

  it('counts the fraud CDRs (and cost) that had arrived when the first detecting verdict was emitted', () => {
    const ep1 = result.episodes[0];
    assert.equal(ep1?.fraudCdrs, 6);
    assert.equal(ep1?.fraudCost, 9);
    assert.equal(ep1?.arrived, 4);
    assert.equal(ep1?.arrivedCost, 6);
  });

  it('false positives: legitimate subjects blocked or critically alerted that no episode explains, by rule and population', () => {
    assert.deepEqual(
      result.fpBlocked.map((f) => [f.subject, f.rules, f.population]),
      [
        ['ip:189.1.2.3', ['velocity-ip'], 'sme-office'],
        ['account:office', ['velocity-account'], 'sme-office'],
      ],
    );
    assert.deepEqual(result.fpCritical.map((f) => f.subject).sort(), ['caller:+551130002003', 'ip:200.1.1.1']);
    assert.deepEqual(
      result.otherBlocked.map((f) => f.subject),
      ['destPrefix:+3519'],
    );
  });

  it('summarises as one JSON line with the fields the bench reads', () => {
    const s = summary(result);
    assert.equal(s['episodes'], 2);
    assert.equal(s['detected'], 1);
    assert.deepEqual(s['missed'], ['ep-002']);
    assert.deepEqual(s['arrivedAtDetection'], { median: 4, p90: 4, max: 4 });
    assert.equal(s['legitSubjects'], 5);
    assert.equal(s['fpBlockedSubjects'], 2);
    assert.equal(s['fpBlockRate'], 0.4);
    assert.equal(s['fpCriticalSubjects'], 2);
    assert.deepEqual(s['fpByRule'], { 'velocity-account': 1, 'velocity-ip': 1 });
    assert.equal(s['fraudCostMissed'], 20);
    const text = report(result, labels.timeZone);
    assert.deepEqual(JSON.parse(text[text.length - 1] as string), JSON.parse(JSON.stringify(s)));
    assert.ok(text.some((l) => /^ep-002 +slow-drip .*MISSED/.test(l)));
    assert.ok(text.some((l) => l.includes('acme ip:189.1.2.3 (sme-office)  velocity-ip')));
  });

  it('a verdict whose evidence left the engine ring is placed after the verdicts before it', () => {
    const before = verdict({ kind: 'alert', rule: 'x', severity: 'warn', subject: 'caller:+5511', at: '2026-04-16T17:00:00Z', evidence: ['g1'] });
    const late = verdict({
      kind: 'block',
      rule: 'premium-destination',
      subject: 'caller:+551130002002',
      startsAt: '2026-04-16T17:30:00Z',
      expiresAt: '2026-04-16T18:30:00Z',
      evidence: ['gone'],
    });
    const r = score(labels, (id) => cdrs.get(id), [before, late]);
    assert.equal(r.episodes[1]?.detected, true);
    assert.equal(r.episodes[1]?.arrived, 1, 'g1 had arrived (the earlier verdict saw it), g2 had not');
  });

  it('spread: median, nearest-rank p90, max', () => {
    assert.deepEqual(spread([]), { median: null, p90: null, max: null });
    assert.deepEqual(spread([5, 1, 3]), { median: 3, p90: 5, max: 5 });
    assert.deepEqual(spread([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), { median: 5.5, p90: 9, max: 10 });
  });
});
