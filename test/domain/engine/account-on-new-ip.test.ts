import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotOfRow, usageRow } from '../../../src/adapters/clickhouse/usage-rows.js';
import type { Cdr } from '../../../src/domain/cdr/contract.js';
import type { Verdict } from '../../../src/domain/engine/verdicts.js';
import { alertsOf, harness, series } from './harness.js';

// G3, EV01: stolen SIP credentials used from another network while the office goes on calling from its own
const OFFICE_IP = '189.40.10.20';
const ATTACKER_IP = '45.90.144.220';
const ext = (i: number) => `+5551405071${String(60 + i)}`;
type Harness = ReturnType<typeof harness>;

/** The office's day: its extensions call from the office address every 6 minutes from `at` for `hours`. */
const officeDay = (h: Harness, at: string, hours: number, ip: (i: number) => string = () => OFFICE_IP): Cdr[] =>
  series(at, hours * 10, 360, (t, i) => h.call(t, { srcIp: ip(i), caller: ext(i % 8), account: 'escola-01', billSec: 90 }));
/** Twelve calls to mobiles from `ip` on the office's own extensions, one every 4 minutes. */
const intruder = (h: Harness, at: string, ip = ATTACKER_IP): Cdr[] =>
  series(at, 12, 240, (t, i) =>
    h.call(t, { srcIp: ip, caller: ext(i % 3), account: 'escola-01', callee: `+55519${String(81_000_000 + i * 7_919)}`, billSec: 180 }),
  );

const byTime = (cdrs: Cdr[]) => [...cdrs].sort((a, b) => a.endedAt - b.endedAt);
/** The rule's critical alerts (a critical alert is the detection; whether it blocks is the profile's escalation). */
const criticalOf = (verdicts: Verdict[]) => alertsOf(verdicts).filter((a) => a.severity === 'critical');

describe('G3 + EV01: an account used from a network it never used (account-on-new-ip)', () => {
  it("on the account's first day: the office calls from 08:00, the intruder from 10:50 is critical at its 10th call", () => {
    const h = harness({ only: ['account-on-new-ip'] });
    const attack = intruder(h, '2026-04-16T10:50:00-03:00');
    const verdicts = h.feed(...byTime([...officeDay(h, '2026-04-16T08:00:00-03:00', 6), ...attack]));
    const [critical] = criticalOf(verdicts);
    assert.equal(critical?.subject.value, ATTACKER_IP);
    assert.deepEqual(critical?.evidence.at(-1), attack[9]?.id, 'the 10th call from the new network');
    assert.ok(alertsOf(verdicts).every((a) => a.subject.value === ATTACKER_IP));
  });

  it('phones of the same office on addresses of its own network (per-phone public IPs) are not elsewhere', () => {
    const h = harness({ only: ['account-on-new-ip'] });
    const phones = officeDay(h, '2026-04-16T08:00:00-03:00', 6, (i) => `189.40.10.${20 + (i % 8)}`);
    const later = intruder(h, '2026-04-16T10:50:00-03:00', '189.40.10.99');
    assert.deepEqual(h.feed(...byTime([...phones, ...later])), []);
  });

  it('two networks taken up within the first two hours are both where the account began: nothing to compare with', () => {
    const h = harness({ only: ['account-on-new-ip'] });
    const branch = intruder(h, '2026-04-16T09:50:00-03:00', '200.160.2.7');
    assert.deepEqual(h.feed(...byTime([...officeDay(h, '2026-04-16T08:00:00-03:00', 3), ...branch])), []);
  });

  it('one early softphone call is not a site: the office opening after it is not elsewhere; an intruder later is', () => {
    const h = harness({ only: ['account-on-new-ip'] });
    h.feed(h.call('2026-04-16T06:30:00-03:00', { srcIp: '177.80.3.9', caller: ext(0), account: 'escola-01' }));
    assert.deepEqual(h.feed(...officeDay(h, '2026-04-16T09:00:00-03:00', 2)), [], 'the office from 09:00, 2.5 h after the first call');
    assert.equal(criticalOf(h.feed(...intruder(h, '2026-04-16T11:00:00-03:00'))).length, 1);
  });

  it('a late CDR that started earlier on the network moves when it was taken up: the engine and a restored one agree', () => {
    const h = harness({ only: ['account-on-new-ip'] });
    h.feed(...officeDay(h, '2026-04-16T08:00:00-03:00', 1));
    // taken up at 10:01 (2 h after the first call), then a CDR of a call from it started at 09:58 arrives
    h.feed(h.call('2026-04-16T10:01:00-03:00', { srcIp: ATTACKER_IP, caller: ext(1), account: 'escola-01' }));
    h.feed(h.call('2026-04-16T09:58:00-03:00', { srcIp: ATTACKER_IP, caller: ext(2), account: 'escola-01' }));
    const restored = harness({ only: ['account-on-new-ip'] });
    restored.engine.restoreUsage(h.engine.usageSnapshots());
    for (const engine of [h, restored])
      assert.deepEqual(engine.feed(...intruder(engine, '2026-04-16T10:20:00-03:00').slice(0, 5)), [], 'within 2 h of the first call');
  });

  it('IPv6: an office /48 is one network; another /48 is elsewhere', () => {
    const h = harness({ only: ['account-on-new-ip'] });
    h.feed(...officeDay(h, '2026-04-15T09:00:00-03:00', 2, (i) => `2001:db8:1:10::${20 + (i % 8)}`));
    assert.deepEqual(h.feed(...intruder(h, '2026-04-16T10:00:00-03:00', '2001:db8:1:20::5')), [], 'another subnet of the site');
    assert.equal(criticalOf(h.feed(...intruder(h, '2026-04-16T14:00:00-03:00', '2001:db8:99::1'))).length, 1);
  });

  it('a familiar account: a new address in its network says nothing; a new network is judged, and is familiar a day later', () => {
    const h = harness({ only: ['account-on-new-ip'] });
    h.feed(...officeDay(h, '2026-04-15T09:00:00-03:00', 2));
    assert.deepEqual(h.feed(...intruder(h, '2026-04-16T10:00:00-03:00', '189.40.10.77')), [], 'another office phone');
    assert.equal(criticalOf(h.feed(...intruder(h, '2026-04-16T14:00:00-03:00'))).length, 1, 'another network');
    assert.deepEqual(h.feed(...intruder(h, '2026-04-17T15:00:00-03:00')), [], 'taken up over a day ago');
  });

  it('what the account took up survives a restart (through the stored row): a restored profile judges the same call the same way', () => {
    const before = harness({ only: ['account-on-new-ip'] });
    before.feed(...officeDay(before, '2026-04-15T09:00:00-03:00', 2));
    before.feed(...intruder(before, '2026-04-16T10:00:00-03:00').slice(0, 2));
    const stored = snapshotOfRow('acme', usageRow(before.engine.usageSnapshots()[0]!).body);
    assert.ok(stored.ok, stored.ok ? '' : stored.reason);
    const after = harness({ only: ['account-on-new-ip'] });
    after.engine.restoreUsage([stored.snapshot]);
    const rest = intruder(after, '2026-04-16T10:10:00-03:00');
    const [critical] = criticalOf(after.feed(...rest));
    assert.equal(critical?.evidence.at(-1), rest[9]?.id, 'the restored network is still new: 10 calls from it in the hour');
    const next = harness({ only: ['account-on-new-ip'] });
    next.engine.restoreUsage([stored.snapshot]);
    assert.deepEqual(next.feed(...intruder(next, '2026-04-17T11:00:00-03:00')), [], 'taken up over a day before: familiar');
    const phone = harness({ only: ['account-on-new-ip'] });
    phone.engine.restoreUsage([stored.snapshot]);
    assert.deepEqual(phone.feed(...intruder(phone, '2026-04-16T10:10:00-03:00', '189.40.10.77')), [], "a new phone in the office's stored network");
  });
});
