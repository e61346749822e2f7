import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cdr } from '../../../src/domain/cdr/contract.js';
import { alertsOf, blocksOf, harness, series } from './harness.js';

const OFFICE_IP = '189.40.10.20';
const ext = (i: number) => `+5511300${String(1000 + i)}`;
const profiles = { tenants: { acme: { accounts: { export: { international: { policy: 'allow', countries: ['PT', 'US'] } } } } } };

/** An office warming up: each of `n` extensions behind the NAT address makes one call, 20 s apart. */
function warmUp(h: ReturnType<typeof harness>, at: string, n: number, fields: Partial<Cdr> = {}): Cdr[] {
  return series(at, n, 20, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), account: 'office', billSec: 60, ...fields }));
}

describe('G3 + EV12: velocity per source IP behind NAT', () => {
  it('an office of 20 extensions behind one address is never blocked whole: at most a warning (EV12 "the IP and/or user")', () => {
    const h = harness({ only: ['velocity-ip'] });
    assert.deepEqual(h.feed(...warmUp(h, '2026-04-16T09:00:00-03:00', 20)), []);
    // its first hour showed 3 calls a minute: 9 in a minute at 10h is unusual, but the address is 20 people's
    const busy = series('2026-04-16T10:00:00-03:00', 9, 6, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), account: 'office', billSec: 40 }));
    const verdicts = h.feed(...busy);
    assert.deepEqual(blocksOf(verdicts), []);
    assert.deepEqual(
      alertsOf(verdicts).map((a) => [a.severity, a.details['baselineFrom']]),
      [['warn', "today's busiest earlier hour (nothing learned around this hour yet)"]],
    );
  });

  it('in its first hour a site is judged by its size: 20 established callers allow 2 x 20 calls a minute without a word', () => {
    const h = harness({ only: ['velocity-ip'] });
    h.feed(...warmUp(h, '2026-04-16T08:00:00-03:00', 20));
    const busy = series('2026-04-16T08:20:00-03:00', 12, 4, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), account: 'office', billSec: 40 }));
    assert.deepEqual(h.feed(...busy), []);
  });

  it('an address never seen before keeps the seed strict 5/min (EV12), and the alert explains its baseline', () => {
    const h = harness({ only: ['velocity-ip'] });
    const burst = series('2026-04-16T03:00:00-03:00', 5, 8, (t, i) => h.call(t, { srcIp: '45.9.1.2', caller: ext(i), account: 'office', billSec: 0 }));
    const verdicts = h.feed(...burst);
    assert.equal(blocksOf(verdicts)[0]?.subject.value, '45.9.1.2');
    const [alert] = alertsOf(verdicts);
    assert.equal(alert?.details['threshold'], 5);
    assert.equal(alert?.details['baseline'], 0);
    assert.match(String(alert?.details['baselineFrom']), /site size/);
  });

  it('a burst of brand-new callers on a familiar office address does not raise its own threshold', () => {
    const h = harness({ only: ['velocity-ip'] });
    h.feed(...warmUp(h, '2026-04-15T09:00:00-03:00', 3));
    h.feed(...warmUp(h, '2026-04-16T09:00:00-03:00', 3));
    // 3 established callers: threshold max(5, 2 x 3) = 6; eight new "extensions" in 40 s exceed it
    const burst = series('2026-04-16T10:00:00-03:00', 8, 5, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(100 + i), account: 'office', billSec: 0 }));
    const verdicts = h.feed(...burst);
    assert.equal(blocksOf(verdicts)[0]?.subject.value, OFFICE_IP, 'five callers new to the site within a minute: strict, and blocked');
    assert.equal(alertsOf(verdicts)[0]?.details['baselineFrom'], 'none: a burst of callers this site never had');
  });

  it('a familiar office address suddenly serving an account it never served is judged by the strict 5/min', () => {
    const h = harness({ only: ['velocity-ip'] });
    h.feed(...warmUp(h, '2026-04-16T09:00:00-03:00', 20));
    h.feed(...warmUp(h, '2026-04-17T09:00:00-03:00', 20));
    const intruder = series('2026-04-17T11:00:00-03:00', 5, 8, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), account: 'stolen', billSec: 0 }));
    const verdicts = h.feed(...intruder);
    const [alert] = alertsOf(verdicts);
    assert.equal(alert?.details['threshold'], 5, 'the strict floor, not 2 x 20');
    assert.match(String(alert?.details['baselineFrom']), /account it did not serve/);
    assert.deepEqual(blocksOf(verdicts), [], 'still 20 colleagues behind it: warned about, not blocked whole');
  });

  it('after a day the learned peak replaces the site size: the office is judged by its own usual level', () => {
    const h = harness({ only: ['velocity-ip'] });
    h.feed(...warmUp(h, '2026-04-16T09:00:00-03:00', 20));
    h.feed(...series('2026-04-16T10:00:00-03:00', 4, 10, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), account: 'office', billSec: 30 })));
    // Friday 10:00: the usual peak is 4 calls a minute, so the threshold is max(5, 2 x 4) = 8, not 2 x 20
    assert.deepEqual(h.feed(...series('2026-04-17T10:00:00-03:00', 7, 8, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), account: 'office' }))), []);
    const verdicts = h.feed(...series('2026-04-17T10:30:00-03:00', 8, 6, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), account: 'office' })));
    const [alert] = alertsOf(verdicts);
    assert.equal(alert?.details['threshold'], 8);
    assert.equal(alert?.details['baseline'], 4);
    assert.match(String(alert?.details['baselineFrom']), /learned peak, business days 10h/);
  });
});

describe('G3: accounts learn their own levels', () => {
  it('a call centre account whose agents made 30 calls a minute at 8h makes 45 a minute at 9h without a velocity-account block', () => {
    const h = harness({ only: ['velocity-account'] });
    h.feed(...series('2026-04-16T08:00:00-03:00', 600, 2, (t, i) => h.call(t, { caller: ext(i % 60), account: 'cc', billSec: 0 })));
    const minute = series('2026-04-16T09:00:00-03:00', 45, 1, (t, i) => h.call(t, { caller: ext(i), account: 'cc', billSec: 0 }));
    assert.deepEqual(blocksOf(h.feed(...minute)), [], 'threshold max(30, 2 x 30)');
    // a hacked PBX making 70 a minute on the same account is far above what its agents do
    const hacked = series('2026-04-16T09:30:00-03:00', 70, 0.8, (t, i) => h.call(t, { caller: ext(i % 60), account: 'cc', billSec: 0 }));
    assert.equal(blocksOf(h.feed(...hacked)).length, 1);
  });

  it('an account with regular after-hours international calls (on-call staff) is not blocked the next night', () => {
    const h = harness({ only: ['off-hours-international'], profiles });
    const night = (date: string, n: number, gapSec = 600) =>
      series(`${date}T22:00:00-03:00`, n, gapSec, (t) => h.call(t, { account: 'export', callee: '+351213000000', billSec: 120 }));
    assert.equal(blocksOf(h.feed(...night('2026-04-14', 3))).length, 0);
    assert.deepEqual(blocksOf(h.feed(...night('2026-04-15', 5))), [], 'its usual night is 3 calls an hour: threshold max(4, 2 x 3)');
    assert.equal(blocksOf(h.feed(...night('2026-04-16', 12, 240))).length, 1, 'twelve in an hour is far above its habit: blocked');
  });

  it('an allowed account spending four times its usual international amount by this hour is blocked until midnight', () => {
    const h = harness({ only: ['international-spend-spike'], profiles });
    const spend = (at: string, n: number, cost: number) =>
      series(at, n, 300, (t) => h.call(t, { account: 'export', callee: '+12125550100', cost, billSec: 300 }));
    assert.deepEqual(h.feed(...spend('2026-04-16T10:00:00-03:00', 4, 20)), [], 'day one: 80 spent, under the floors');
    const verdicts = h.feed(...spend('2026-04-17T10:00:00-03:00', 12, 30));
    const [block] = blocksOf(verdicts);
    assert.equal(block?.scope, 'international');
    assert.ok(alertsOf(verdicts).some((a) => a.severity === 'warn' && a.details['baseline'] === 80));
  });

  it('novelty: a familiar account first calling a new country gets a warning naming the country and its class', () => {
    const h = harness({ only: ['new-international-destination'], profiles });
    assert.deepEqual(h.feed(h.call('2026-04-16T10:00:00-03:00', { account: 'export', callee: '+351213000000' })), [], 'cold start: nothing is novel');
    h.feed(h.call('2026-04-17T10:00:00-03:00', { account: 'export', callee: '+351213000001' }));
    const [alert] = alertsOf(h.feed(h.call('2026-04-17T11:00:00-03:00', { account: 'export', callee: '+12125550100' })));
    assert.equal(alert?.severity, 'warn');
    assert.equal(alert?.details['destinationCountry'], 'US');
    assert.equal(alert?.details['destinationClass'], 'international');
    assert.match(String(alert?.details['novel']), /country/);
  });

  it('inbound calls teach nothing: a carrier SBC is not a site of callers', () => {
    const h = harness({ only: ['velocity-ip'] });
    h.feed(...series('2026-04-16T09:00:00-03:00', 30, 20, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), direction: 'inbound' })));
    const burst = series('2026-04-16T10:00:00-03:00', 5, 8, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i), billSec: 0 }));
    const [alert] = alertsOf(h.feed(...burst));
    assert.equal(alert?.details['threshold'], 5, 'the strict floor: no established callers behind it');
    assert.equal(alert?.details['baseline'], 0);
  });
});

describe("G3 + EV12: Sentinela's first day (cold start)", () => {
  const CENTRE_IP = '201.213.73.157';
  const agent = (i: number) => `+55112806${String(1000 + i)}`;
  const opening = (h: ReturnType<typeof harness>, at: string, fields: Partial<Cdr> = {}) =>
    series(at, 12, 4, (t, i) => h.call(t, { srcIp: CENTRE_IP, caller: agent(i), account: 'callcenter', billSec: 0, ...fields }));

  it('a call centre opening on the first day is warned about, not blocked whole: 12 agents, 12 calls in 48 s', () => {
    const h = harness({ only: ['velocity-ip'] });
    const verdicts = h.feed(...opening(h, '2026-04-16T08:00:00-03:00'));
    assert.deepEqual(blocksOf(verdicts), []);
    assert.deepEqual(
      alertsOf(verdicts).map((a) => a.severity),
      ['warn'],
    );
  });

  it('the same burst at night, on a second address of a known account, or over several accounts stays strict (EV12)', () => {
    const night = harness({ only: ['velocity-ip'] });
    assert.equal(blocksOf(night.feed(...opening(night, '2026-04-16T02:00:00-03:00'))).length, 1, 'off hours');
    const second = harness({ only: ['velocity-ip'] });
    second.feed(second.call('2026-04-16T07:30:00-03:00', { srcIp: '189.40.10.20', caller: agent(99), account: 'callcenter' }));
    assert.equal(blocksOf(second.feed(...opening(second, '2026-04-16T08:00:00-03:00'))).length, 1, 'the account has another address');
    const many = harness({ only: ['velocity-ip'] });
    const accounts = series('2026-04-16T08:00:00-03:00', 12, 4, (t, i) =>
      many.call(t, { srcIp: CENTRE_IP, caller: agent(i), account: `acct${i % 4}`, billSec: 0 }),
    );
    assert.equal(blocksOf(many.feed(...accounts)).length, 1, 'four accounts on one new address');
  });

  it('an opening past 3 x the thresholds is blocked: 20 calls in 57 s from 12 new callers', () => {
    const h = harness({ only: ['velocity-ip'] });
    const flood = series('2026-04-16T08:00:00-03:00', 20, 3, (t, i) =>
      h.call(t, { srcIp: CENTRE_IP, caller: agent(i % 12), account: 'callcenter', billSec: 0 }),
    );
    const verdicts = h.feed(...flood);
    assert.equal(blocksOf(verdicts)[0]?.subject.value, CENTRE_IP);
    assert.equal(alertsOf(verdicts).find((a) => a.severity === 'critical')?.details['threshold'], 15);
  });

  it("after the tenant's first day a new or dormant account on a new address is strict again (EV12)", () => {
    const h = harness({ only: ['velocity-ip'] });
    h.feed(h.call('2026-04-15T09:00:00-03:00', { srcIp: '189.40.10.20', caller: agent(99), account: 'office' }));
    assert.equal(blocksOf(h.feed(...opening(h, '2026-04-16T10:00:00-03:00'))).length, 1);
  });
});

describe('G3: an attack never becomes the baseline', () => {
  it('EV12: an attacker address rotating 20 stolen extensions is blocked, and again after its block: its callers are not a site', () => {
    const h = harness({ only: ['velocity-ip'] });
    const wave = (at: string) => series(at, 20, 3, (t, i) => h.call(t, { srcIp: '45.9.1.2', caller: ext(i), account: 'office', billSec: 0 }));
    assert.equal(blocksOf(h.feed(...wave('2026-04-16T02:00:00-03:00'))).length, 1);
    assert.equal(blocksOf(h.feed(...wave('2026-04-16T02:10:00-03:00'))).length, 1, 'tainted for the day: strict again');
  });

  it('a shared office pushed far above its level is warned about, and that burst is not learned as its usual peak', () => {
    const h = harness({ only: ['velocity-ip'] });
    h.feed(...warmUp(h, '2026-04-16T09:00:00-03:00', 20));
    const burst = (at: string) => series(at, 40, 1, (t, i) => h.call(t, { srcIp: OFFICE_IP, caller: ext(i % 20), account: 'office', billSec: 0 }));
    assert.equal(alertsOf(h.feed(...burst('2026-04-16T10:00:00-03:00')))[0]?.severity, 'warn');
    const friday = alertsOf(h.feed(...burst('2026-04-17T10:00:00-03:00')));
    assert.equal(friday[0]?.severity, 'warn', 'the next day the same burst is still unusual, not its new normal');
  });
});
