import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, blocksOf, harness, series } from './harness.js';

describe('per source IP (EV12, EV01, EV02)', () => {
  it('blocks an IP for 5 min after 5 call attempts in < 1 min, whichever callers and accounts (EV12)', () => {
    const h = harness({ only: ['velocity-ip'] });
    const verdicts = h.feed(
      ...series('2026-03-02T03:00:00-03:00', 5, 10, (at, i) =>
        h.call(at, { srcIp: '203.0.113.9', caller: `+55113000200${i}`, account: `acct${i}`, billSec: 0 }),
      ),
    );
    const [block] = blocksOf(verdicts);
    assert.deepEqual(block?.subject, { kind: 'ip', value: '203.0.113.9' });
    assert.equal((block?.expiresAt ?? 0) - (block?.startsAt ?? 0), 300_000);
  });

  it('EV12, EV01: a carrier SBC delivering inbound calls to five companies is neither a burst nor credential stuffing (held-out defect b)', () => {
    const h = harness({ only: ['velocity-ip', 'credential-stuffing'] });
    const inbound = series('2026-03-02T10:00:00-03:00', 8, 6, (at, i) =>
      h.call(at, {
        srcIp: '200.160.2.3',
        direction: 'inbound',
        caller: `+55119${String(87650000 + i)}`,
        callee: `+5511300${i % 5}1000`,
        account: `company${i % 5}`,
      }),
    );
    assert.deepEqual(h.feed(...inbound), []);
  });

  it('ignores CDRs without a source IP for the IP rules', () => {
    const h = harness({ only: ['velocity-ip', 'credential-stuffing'] });
    assert.deepEqual(h.feed(...series('2026-03-02T03:00:00-03:00', 6, 5, (at) => h.call(at))), []);
  });

  it('alerts on calls from >= 3 distinct accounts through one IP within 10 min (credential stuffing), below the velocity threshold', () => {
    const h = harness({ only: ['velocity-ip', 'credential-stuffing'] });
    const verdicts = h.feed(
      h.call('2026-03-02T03:00:00-03:00', { srcIp: '2001:db8::7', account: 'a1' }),
      h.call('2026-03-02T03:04:00-03:00', { srcIp: '2001:db8::7', account: 'a1' }),
      h.call('2026-03-02T03:06:00-03:00', { srcIp: '2001:db8::7', account: 'a2' }),
      h.call('2026-03-02T03:09:59-03:00', { srcIp: '2001:db8::7', account: 'a3' }),
    );
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.rule, a.subject.value, a.details['distinct']]),
      [['credential-stuffing', '2001:db8::7', 3]],
    );
    assert.equal(blocksOf(verdicts).length, 0, 'credential stuffing alerts; it does not block by default');
  });

  it('does not count accounts more than 10 min apart', () => {
    const h = harness({ only: ['credential-stuffing'] });
    const verdicts = h.feed(
      h.call('2026-03-02T03:00:00-03:00', { srcIp: '198.51.100.1', account: 'a1' }),
      h.call('2026-03-02T03:06:00-03:00', { srcIp: '198.51.100.1', account: 'a2' }),
      h.call('2026-03-02T03:10:00-03:00', { srcIp: '198.51.100.1', account: 'a3' }),
    );
    assert.deepEqual(verdicts, []);
  });
});
