import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFixture, errorsOf, eventsOf } from './decode.js';

describe('freeswitch-security: sofia log lines and event-socket events', () => {
  it('reads the real lines of fail2ban’s FreeSWITCH test log; local times in the source zone', () => {
    const d = decodeFixture('freeswitch_fail2ban.log', 'freeswitch-security;tz=UTC');
    assert.deepEqual(
      eventsOf(d).map((e) => [e.type, e.srcIp, e.user, e.method]),
      [
        ['auth-failed', '5.11.47.236', '000972543480510', 'INVITE'],
        ['unknown-user', '5.11.47.236', '1001', undefined],
        ['unknown-user', '185.24.234.141', '100', undefined],
        ['unknown-user', '192.0.2.1', '201', undefined],
        ['auth-failed', '192.0.2.2', '9810972597751739', 'INVITE'],
      ],
    );
    assert.equal(eventsOf(d)[0]?.at, Date.UTC(2013, 11, 31, 17, 39, 54, 768));
    assert.equal(d.skipped, 2, 'the challenge and the DEBUG "Falling back to Digest auth"');
    // gh-2193's yearless lines are recognised but cannot be placed in time
    assert.deepEqual(
      errorsOf(d).map((e) => [e.code, e.details.path]),
      [
        ['EVENT_INVALID', 'at'],
        ['EVENT_INVALID', 'at'],
      ],
    );
  });

  it('1.10 headers, session UUIDs, colours, continuation lines, ACLs, a forged "from ip" in the user, JSON events', () => {
    const d = decodeFixture('freeswitch_derived.log', 'freeswitch-security');
    const events = eventsOf(d);
    assert.deepEqual(
      events.map((e) => [e.type, e.srcIp, e.srcPort, e.method]),
      [
        ['auth-failed', '203.0.113.7', undefined, 'REGISTER'],
        ['unknown-user', '203.0.113.8', undefined, undefined],
        ['auth-failed', '203.0.113.9', undefined, 'INVITE'],
        ['acl-denied', '203.0.113.10', undefined, undefined],
        ['acl-denied', '203.0.113.11', undefined, 'REGISTER'],
        ['auth-failed', '203.0.113.13', 5062, 'REGISTER'],
        ['scanner-signature', '203.0.113.14', 5070, undefined],
      ],
    );
    // America/Sao_Paulo is UTC-3: 10:00:01.123456 local
    assert.equal(events[0]?.at, Date.UTC(2026, 11, 3, 13, 0, 1, 123));
    assert.equal(events[2]?.user, 'x] from ip 10.0.0.1 [', 'the sender’s text stays the user; the address is the last token');
    assert.equal(events[5]?.userAgent, 'friendly-scanner');
    assert.equal(events[5]?.reporter, 'fs1');
    assert.equal(events[5]?.at, Date.UTC(2026, 11, 3, 13, 0, 11, 123));
    assert.deepEqual(
      errorsOf(d).map((e) => e.code),
      ['EVENT_UNRECOGNISED', 'EVENT_UNRECOGNISED'],
      'a reworded auth failure (a format change) and a cut JSON event are loud',
    );
    // challenge, 2 continuation lines, X-AUTH-IP "Rejected by user acl" (a header's address), New Channel,
    // user-agent-filter (no address), pre_register
    assert.equal(d.skipped, 7);
  });
});
