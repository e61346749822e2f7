import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, blocksOf, harness, series } from './harness.js';

const lists = {
  lists: { deny: { destinations: ['+882'], ips: ['192.0.2.0/24'] } },
  tenants: {
    acme: {
      lists: {
        allow: { callers: ['+551130009'], ips: ['10.0.0.0/8'], destinations: ['+351213'] },
        deny: { callers: ['+55119666'], accounts: ['revoked'] },
      },
    },
  },
};

describe('allow and deny lists (G4)', () => {
  it('raises a critical deny-list alert for a listed caller, account, IP (CIDR) or destination prefix', () => {
    const h = harness({ only: [], profiles: lists });
    const verdicts = h.feed(
      h.call('2026-03-02T10:00:00-03:00', { caller: '+5511966612345' }),
      h.call('2026-03-02T10:01:00-03:00', { account: 'revoked' }),
      h.call('2026-03-02T10:02:00-03:00', { srcIp: '192.0.2.77' }),
      h.call('2026-03-02T10:03:00-03:00', { callee: '+88213000000' }),
    );
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.rule, a.severity, a.subject.kind, a.details['entry']]),
      [
        ['deny-list', 'critical', 'caller', '+55119666'],
        ['deny-list', 'critical', 'account', 'revoked'],
        ['deny-list', 'critical', 'ip', '192.0.2.77'],
        ['deny-list', 'critical', 'destination', '+882'],
      ],
    );
  });

  it('an allow-listed caller or IP is not counted by the rules keyed on it', () => {
    const h = harness({ only: ['velocity-caller', 'velocity-ip'], profiles: lists });
    const burst = series('2026-03-02T10:00:00-03:00', 6, 5, (at) => h.call(at, { caller: '+551130009999', srcIp: '10.1.2.3' }));
    assert.deepEqual(h.feed(...burst), []);
    const other = series('2026-03-02T11:00:00-03:00', 5, 5, (at) => h.call(at, { srcIp: '10.1.2.3' }));
    assert.deepEqual(
      blocksOf(h.feed(...other)).map((b) => b.subject.kind),
      ['caller'],
      'the caller still counts, the IP does not',
    );
  });

  it('a call to an allow-listed destination is counted by no rule', () => {
    const h = harness({ only: ['velocity-caller', 'international-out-of-profile'], profiles: lists });
    assert.deepEqual(h.feed(...series('2026-03-02T10:00:00-03:00', 6, 5, (at) => h.call(at, { callee: '+351213000000' }))), []);
  });
});

describe('emergency numbers are never blocked and never counted (G4)', () => {
  it('ten calls to 190, 192 and 193 in a minute, off-hours: no verdict, not even in a later burst', () => {
    const h = harness();
    const emergency = series('2026-03-02T23:00:00-03:00', 10, 5, (at, i) => h.call(at, { callee: ['190', '192', '193', '112', '199'][i % 5] ?? '190' }));
    for (const cdr of emergency) assert.equal(h.process(cdr).status, 'emergency');
    // four ordinary calls right after: without the emergency calls they are below every threshold
    assert.deepEqual(h.feed(...series('2026-03-02T23:00:50-03:00', 4, 1, (at) => h.call(at))), []);
    assert.equal(h.engine.counts.emergency, 10);
  });

  it('recognises emergency numbers dialled with the outside-line digit', () => {
    const h = harness({ profiles: { tenants: { acme: { dialPlan: { outsideLinePrefix: '0' } } } } });
    assert.equal(h.process(h.call('2026-03-02T23:00:00-03:00', { callee: '0190' })).status, 'emergency');
  });
});
