import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadRuleFiles } from '../../../src/adapters/files/rule-files.js';
import type { Block } from '../../../src/domain/blocks/block.js';
import type { RuleStats } from '../../../src/domain/engine/outcome.js';
import { SubjectList } from '../../../src/domain/engine/subject-lists.js';
import type { Alert, Verdict } from '../../../src/domain/engine/verdicts.js';
import { eventId, parseEvent, type EventInput, type SecurityEvent } from '../../../src/domain/signalling/event.js';
import { SignallingBook } from '../../../src/domain/signalling/signalling-book.js';
import { compileSignallingRule } from '../../../src/domain/signalling/spec.js';

/** The shipped signalling rules (rules/signalling.yaml): the defaults the seeds ask for. */
const SHIPPED = loadRuleFiles('rules').signalling.map(compileSignallingRule);
const T0 = Date.parse('2026-12-03T10:00:00-03:00');
const OPERATOR_SBC = new SubjectList({ callers: [], accounts: [], ips: ['198.51.100.0/28'], destinations: [] });

function book(o: { allow?: SubjectList[]; maxKeysPerRule?: number } = {}) {
  const stats = new Map<string, RuleStats>();
  const allowLists = () => o.allow ?? [];
  return { book: new SignallingBook({ rules: SHIPPED, allowLists, escalationWithinMs: 86_400_000, stats, maxKeysPerRule: o.maxKeysPerRule }), stats };
}

function event(input: Partial<EventInput> & { at: number }): SecurityEvent {
  const parsed = parseEvent({ tenant: 'acme', type: 'auth-failed', srcIp: '203.0.113.7', srcPort: 5060, transport: 'udp', method: 'REGISTER', ...input });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.event;
}

/** Feeds events in order at their own time; returns every verdict. */
function feed(b: SignallingBook, events: readonly SecurityEvent[]): Verdict[] {
  return events.flatMap((e) => b.evaluate(e, eventId(e), e.at).verdicts);
}

const blocks = (vs: readonly Verdict[]) => vs.filter((v): v is Block => v.kind === 'block');
const alerts = (vs: readonly Verdict[]) => vs.filter((v): v is Alert => v.kind === 'alert');

describe('SignallingBook: EV01, EV02, EV11 with the shipped rules', () => {
  it('EV01: blocks an IP at its 5th failed registration within a minute, for 5 minutes; 4 are not enough', () => {
    const { book: b } = book();
    const fails = Array.from({ length: 5 }, (_, i) => event({ at: T0 + i * 10_000, user: '1001', callId: `c${i}` }));
    assert.deepEqual(blocks(feed(b, fails.slice(0, 4))), []);
    const [block] = blocks(feed(b, fails.slice(4)));
    assert.ok(block);
    assert.deepEqual(
      [block.rule, block.subject, block.startsAt, block.expiresAt - block.startsAt, block.level],
      ['registration-failures-ip', { kind: 'ip', value: '203.0.113.7' }, T0 + 40_000, 300_000, 1],
    );
    assert.equal(block.evidence.length, 5);
  });

  it('EV01: failures spread over more than a minute never reach 5 in the window', () => {
    const { book: b } = book();
    const slow = Array.from({ length: 20 }, (_, i) => event({ at: T0 + i * 16_000, user: '1001', callId: `s${i}` }));
    assert.deepEqual(blocks(feed(b, slow)), []);
  });

  it('a scan of 50 extensions is blocked by its 5th failure, once, and the enumeration is alerted on', () => {
    const { book: b } = book();
    const scan = Array.from({ length: 50 }, (_, i) => event({ at: T0 + i * 200, type: 'unknown-user', user: String(100 + i), callId: `scan${i}` }));
    const verdicts = feed(b, scan);
    const issued = blocks(verdicts);
    assert.equal(issued.filter((v) => v.rule === 'registration-failures-ip').length, 1);
    assert.equal(issued[0]?.startsAt, T0 + 4 * 200, 'at the 5th failure');
    assert.ok(alerts(verdicts).some((a) => a.rule === 'extension-enumeration' && a.severity === 'critical'));
  });

  it('30 known phones re-registering after an outage, each failing twice, are not blocked', () => {
    const { book: b } = book();
    const site = '192.0.2.10';
    const phones = Array.from({ length: 30 }, (_, i) => String(2000 + i));
    feed(
      b,
      phones.map((user, i) => event({ at: T0 - 3_600_000 + i * 1000, type: 'registered', srcIp: site, user, callId: `r${user}` })),
    );
    const storm = phones.flatMap((user, i) => [0, 1].map((n) => event({ at: T0 + i * 500 + n * 20_000, srcIp: site, user, callId: `o${user}-${n}` })));
    assert.deepEqual(
      feed(
        b,
        storm.sort((x, y) => x.at - y.at),
      ),
      [],
    );
  });

  it('at a known site, an unknown user name failing is still counted (a scan from inside the office NAT)', () => {
    const { book: b } = book();
    const site = '192.0.2.10';
    feed(b, [event({ at: T0 - 60_000, type: 'registered', srcIp: site, user: '2000' })]);
    const guesses = Array.from({ length: 5 }, (_, i) => event({ at: T0 + i * 1000, srcIp: site, type: 'unknown-user', user: `admin${i}` }));
    assert.equal(blocks(feed(b, guesses)).length, 1);
  });

  it('EV02: one user attacked from five addresses blocks each of them', () => {
    const { book: b } = book();
    const ips = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5'];
    const verdicts = feed(
      b,
      ips.map((srcIp, i) => event({ at: T0 + i * 5000, srcIp, user: '1001' })),
    );
    const issued = blocks(verdicts).filter((v) => v.rule === 'registration-failures-user');
    assert.deepEqual(issued.map((v) => v.subject.value).sort(), ips);
  });

  it('EV11: 5 identical messages within a minute block the IP; 5 different ones do not', () => {
    const { book: b } = book();
    const different = Array.from({ length: 5 }, (_, i) => event({ at: T0 + i * 1000, type: 'flood-sample', fingerprint: `f${i}`, srcIp: '203.0.113.20' }));
    assert.deepEqual(blocks(feed(b, different)), []);
    const sample = event({ at: T0 + 10_000, type: 'flood-sample', fingerprint: 'same', count: 5, srcIp: '203.0.113.21' });
    assert.deepEqual(
      blocks(feed(b, [sample])).map((v) => [v.rule, v.subject.value]),
      [['signalling-flood', '203.0.113.21']],
    );
  });

  it("identical messages from a customer's own site are alerted on, never blocked (flood samples are spoofable)", () => {
    const { book: b } = book();
    feed(b, [event({ at: T0 - 60_000, type: 'registered', srcIp: '192.0.2.50', user: '5000' })]);
    const sample = event({ at: T0, type: 'flood-sample', fingerprint: 'x', count: 5, srcIp: '192.0.2.50' });
    assert.deepEqual(
      feed(b, [sample]).map((v) => [v.kind, v.rule, v.severity]),
      [['alert', 'signalling-flood', 'critical']],
    );
  });

  it("a scanner's user agent alone is only a warning; with failures it is blocked sooner", () => {
    const { book: b } = book();
    const probe = event({ at: T0, type: 'scanner-signature', method: 'OPTIONS', userAgent: 'friendly-scanner', srcIp: '203.0.113.30' });
    const first = feed(b, [probe]);
    assert.deepEqual(
      first.map((v) => [v.kind, v.rule, v.severity]),
      [['alert', 'scanner-user-agent', 'warn']],
    );
    const guesses = [1, 2, 3].map((i) => event({ at: T0 + i * 1000, userAgent: 'friendly-scanner', srcIp: '203.0.113.30', user: '100', callId: `g${i}` }));
    const issued = blocks(feed(b, guesses));
    assert.equal(issued[0]?.startsAt, T0 + 3000, 'blocked at the 3rd failure (weight 2)');
  });

  it("the operator's own SBC is never counted nor blocked", () => {
    const { book: b, stats } = book({ allow: [OPERATOR_SBC] });
    const fails = Array.from({ length: 40 }, (_, i) => event({ at: T0 + i * 100, srcIp: '198.51.100.3', type: 'unknown-user', user: `u${i}` }));
    assert.deepEqual(feed(b, fails), []);
    assert.equal(stats.get('registration-failures-ip')?.evaluations, 0);
  });

  it('a repeat offender within the escalation period is blocked twice as long', () => {
    const { book: b } = book();
    const burst = (from: number, tag: string) => Array.from({ length: 5 }, (_, i) => event({ at: from + i * 1000, user: '1001', callId: `${tag}${i}` }));
    const first = blocks(feed(b, burst(T0, 'a'))).find((v) => v.rule === 'registration-failures-ip');
    const second = blocks(feed(b, burst(T0 + 600_000, 'b'))).find((v) => v.rule === 'registration-failures-ip');
    assert.deepEqual([first?.level, second?.level, second && second.expiresAt - second.startsAt], [1, 2, 600_000]);
  });

  it('escalation continues after a day-long block: an attacker back an hour after it ends gets a day again', () => {
    const { book: b } = book();
    let at = T0;
    let last: Block | undefined;
    for (let round = 0; round < 12; round++) {
      const burst = Array.from({ length: 5 }, (_, i) => event({ at: at + i * 1000, user: '1001', callId: `e${round}-${i}` }));
      last = blocks(feed(b, burst)).find((v) => v.rule === 'registration-failures-ip');
      assert.ok(last, `round ${round} blocked`);
      at = last.expiresAt + 3_600_000;
    }
    assert.deepEqual([last?.level, last && last.expiresAt - last.startsAt], [12, 86_400_000]);
  });

  it("a known user's first 3 failures at its own site do not count, the ones beyond do", () => {
    const { book: b } = book();
    const site = '192.0.2.20';
    feed(b, [event({ at: T0 - 60_000, type: 'registered', srcIp: site, user: '2000' })]);
    const fails = Array.from({ length: 8 }, (_, i) => event({ at: T0 + i * 5000, srcIp: site, user: '2000', callId: `k${i}` }));
    assert.deepEqual(blocks(feed(b, fails.slice(0, 7))), [], '7 failures: 4 count');
    const [block] = blocks(feed(b, fails.slice(7)));
    assert.equal(block?.startsAt, T0 + 35_000, 'the 8th failure is the 5th that counts');
  });

  it('a re-sent old log does not pack days of failures into one window: older than the longest window is too late', () => {
    const { book: b } = book();
    feed(b, [event({ at: T0, user: '9', callId: 'now' })]);
    const days = Array.from({ length: 6 }, (_, d) => event({ at: T0 - (d + 1) * 86_400_000, user: '1001', callId: `old${d}` }));
    assert.deepEqual(
      days.map((e) => b.evaluate(e, eventId(e), T0).status),
      Array(6).fill('too-late'),
    );
  });

  it("one tenant's fast clock neither moves another tenant's windows nor starts a block after now", () => {
    const { book: b } = book();
    feed(b, [event({ at: T0 + 240_000, tenant: 'fastclock', callId: 'ahead' })]);
    const fails = Array.from({ length: 5 }, (_, i) => event({ at: T0 - 10_000 + i * 1000, user: '1001', callId: `t${i}` }));
    const issued = blocks(fails.flatMap((e) => b.evaluate(e, eventId(e), T0).verdicts));
    assert.equal(issued[0]?.startsAt, T0 - 6000, "at acme's own time");
    const ahead = Array.from({ length: 5 }, (_, i) => event({ at: T0 + 240_000 + i, tenant: 'fastclock', srcIp: '203.0.113.50', callId: `f${i}` }));
    const fast = blocks(ahead.flatMap((e) => b.evaluate(e, eventId(e), T0).verdicts));
    assert.deepEqual([fast[0]?.startsAt, fast[0] && fast[0].expiresAt - fast[0].startsAt], [T0, 300_000], 'started now, not 4 min ahead');
  });

  it('a password changed at the PBX: 30 known phones retrying every 30 s for 10 minutes are not taken for an enumeration', () => {
    const { book: b } = book();
    const site = '192.0.2.30';
    const phones = Array.from({ length: 30 }, (_, i) => String(3000 + i));
    feed(
      b,
      phones.map((user, i) => event({ at: T0 - 600_000 + i * 100, type: 'registered', srcIp: site, user, callId: `r${user}` })),
    );
    const retries = phones.flatMap((user, i) =>
      Array.from({ length: 20 }, (_, n) => event({ at: T0 + n * 30_000 + i * 50, srcIp: site, user, callId: `p${user}-${n}` })),
    );
    const issued = blocks(
      feed(
        b,
        retries.sort((x, y) => x.at - y.at),
      ),
    );
    assert.deepEqual(
      issued.map((v) => v.rule),
      [],
    );
  });

  it('EV02 never blocks an address the attacked user is known at', () => {
    const { book: b } = book();
    feed(b, [event({ at: T0 - 60_000, type: 'registered', srcIp: '192.0.2.40', user: '1001' })]);
    const attack = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'].map((srcIp, i) => event({ at: T0 + i * 1000, srcIp, user: '1001' }));
    const typo = event({ at: T0 + 5000, srcIp: '192.0.2.40', user: '1001', callId: 'typo' });
    const issued = blocks(feed(b, [...attack, typo])).filter((v) => v.rule === 'registration-failures-user');
    assert.equal(
      issued.some((v) => v.subject.value === '192.0.2.40'),
      false,
    );
  });

  it('a restored block (state rebuild) holds: no overlapping block, and the next offence escalates', () => {
    const { book: b } = book();
    b.restoreBlock({ tenant: 'acme', subject: { kind: 'ip', value: '203.0.113.7' }, level: 2, startsAt: T0 - 60_000, expiresAt: T0 + 540_000 });
    const burst = (from: number, tag: string) => Array.from({ length: 5 }, (_, i) => event({ at: from + i * 1000, user: '1001', callId: `${tag}${i}` }));
    assert.deepEqual(blocks(feed(b, burst(T0, 'during'))), []);
    const next = blocks(feed(b, burst(T0 + 600_000, 'after'))).find((v) => v.rule === 'registration-failures-ip');
    assert.equal(next?.level, 3);
  });

  it('a re-delivered event is a duplicate; one from beyond the clock skew is refused as future', () => {
    const { book: b } = book();
    const e = event({ at: T0 });
    assert.equal(b.evaluate(e, eventId(e), T0).status, 'evaluated');
    assert.equal(b.evaluate(e, eventId(e), T0).status, 'duplicate');
    const ahead = event({ at: T0 + 3_600_000, callId: 'ahead' });
    assert.equal(b.evaluate(ahead, eventId(ahead), T0).status, 'future');
  });

  it('memory is bounded under a flood from spoofed sources: beyond the cap, the longest-held address is forgotten', () => {
    const { book: b } = book({ maxKeysPerRule: 100 });
    const fail = (ip: string, n: number, at: number) => event({ at, srcIp: ip, user: ip, callId: `${ip}-${n}` }); // one user per address: EV02 stays out
    const fourEach = (ip: string) => [0, 1, 2, 3].map((n) => fail(ip, n, T0 + n));
    feed(b, [...fourEach('203.0.113.1'), ...fourEach('203.0.113.2')]);
    // 99 spoofed addresses, one failure each: the oldest tracked address (…1) makes room, the newer one (…2) stays
    feed(
      b,
      Array.from({ length: 99 }, (_, i) => fail(`198.18.0.${i}`, 0, T0 + 10)),
    );
    const kept = blocks(feed(b, [fail('203.0.113.2', 4, T0 + 20)])).map((v) => v.rule);
    assert.deepEqual(kept, ['registration-failures-ip']);
    assert.deepEqual(blocks(feed(b, [fail('203.0.113.1', 4, T0 + 20)])), [], 'forgotten: its 5th failure is its first');
  });

  it('property: every block is of an IP that sent a counted failure, and no IP holds two overlapping blocks', () => {
    const ips = ['203.0.113.1', '203.0.113.2', '192.0.2.10'];
    const arbitraryEvent = fc.record({
      dt: fc.integer({ min: 0, max: 20_000 }),
      ip: fc.constantFrom(...ips),
      user: fc.constantFrom('100', '101', '102', '1001', '2000'),
      type: fc.constantFrom('auth-failed', 'unknown-user', 'registered', 'flood-sample', 'scanner-signature', 'acl-denied'),
    });
    fc.assert(
      fc.property(fc.array(arbitraryEvent, { maxLength: 200 }), (steps) => {
        const { book: b } = book();
        let at = T0;
        const events = steps.map((s, i) => event({ at: (at += s.dt), srcIp: s.ip, user: s.user, type: s.type, fingerprint: 'fp', callId: `p${i}` }));
        const issued = blocks(feed(b, events));
        const until = new Map<string, number>();
        for (const block of issued) {
          assert.ok(events.some((e) => e.srcIp === block.subject.value && e.at <= block.startsAt && e.type !== 'registered'));
          assert.ok((until.get(block.subject.value) ?? -Infinity) <= block.startsAt, 'overlapping blocks');
          until.set(block.subject.value, block.expiresAt);
        }
      }),
      { numRuns: 200 },
    );
  });
});
