import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFixture, decodeOne, errorsOf, eventsOf } from './decode.js';

describe('asterisk-security: the security logger channel', () => {
  it('reads the real lines of fail2ban’s Asterisk test log: address from RemoteAddress, time from EventTV', () => {
    const d = decodeFixture('asterisk_security_fail2ban.log', 'asterisk-security;tenant=acme');
    assert.deepEqual(errorsOf(d), []);
    const events = eventsOf(d);
    assert.deepEqual(
      events.map((e) => [e.type, e.srcIp, e.srcPort, e.user]),
      [
        ['unknown-user', '1.2.3.4', 5070, '00972599580679'],
        ['auth-failed', '141.255.164.106', 5084, '972592891005'],
        ['acl-denied', '50.30.42.14', 5066, undefined],
        ['auth-failed', '10.250.251.252', 5060, undefined],
        ['unknown-user', '10.250.251.252', 5061, '70000180'],
        ['unknown-user', '10.250.251.252', 5061, '70000180'],
        ['unknown-user', '10.250.251.252', 5061, '70000180'],
      ],
    );
    assert.ok(events.every((e) => e.tenant === 'acme' && e.transport === 'udp' && e.raw?.includes('SecurityEvent=')));
    // Asterisk 11's EventTV is seconds-microseconds; 13+ writes ISO with an offset without colon
    assert.equal(events[0]?.at, Date.UTC(2013, 4, 13, 10, 10, 53, 500));
    assert.equal(events[3]?.at, Date.UTC(2015, 4, 24, 5, 42, 16, 296));
    // chan_pjsip's SessionID is the Call-ID (chan_sip's 0x… pointer is not)
    assert.equal(events[3]?.callId, '17a483d-eb8cc0-556164ab@1.2.3.4');
    assert.equal(events[1]?.callId, undefined);
    assert.equal(events[6]?.callId, 'Негодяй');
  });

  it('a Call-ID carrying a forged LocalAddress/RemoteAddress pair never supplies the address', () => {
    const events = eventsOf(decodeFixture('asterisk_security_fail2ban.log', 'asterisk-security'));
    assert.equal(events[5]?.srcIp, '10.250.251.252', 'not 5.6.7.8 from the SessionID');
    assert.ok(events[5]?.callId?.includes('5.6.7.8'), 'the forged text stays what it was: the Call-ID');
  });

  it('hostile and odd lines: IPv6, colours, forged pairs before and after, long names, truncation, unknown events', () => {
    const d = decodeFixture('asterisk_security_derived.log', 'asterisk-security');
    const events = eventsOf(d);
    assert.deepEqual(
      events.map((e) => [e.type, e.srcIp, e.transport, e.user?.length ?? 0, e.method]),
      [
        ['registered', '2001:db8::7', 'udp', 4, undefined],
        ['scanner-signature', '203.0.113.8', 'udp', 3, 'REGISTER'],
        ['auth-failed', '203.0.113.9', 'tcp', 4, undefined],
        ['auth-failed', '203.0.113.10', 'udp', 4, undefined],
        ['unknown-user', '203.0.113.11', 'udp', 128, undefined],
        ['acl-denied', '203.0.113.13', 'tcp', 5, undefined],
      ],
    );
    assert.ok(!events[2]?.raw?.includes('\x1b'), 'ANSI colours never reach the stored line');
    assert.equal(events[1]?.user, '100', 'RequestBadFormat: AccountID after the addresses');
    assert.deepEqual(
      errorsOf(d).map((e) => [e.code, e.details.path]),
      [
        ['EVENT_INVALID', 'srcIp'], // cut inside RemoteAddress: recognised, but no address to blame
        ['EVENT_UNRECOGNISED', 'raw'], // SecurityEvent="SomethingNew": a newer Asterisk is loud
      ],
    );
    assert.equal(d.skipped, 2, 'ChallengeSent and the "built by" line of a freshly opened log');
  });

  it('ISO-8859-1 logs: encoding=latin1 reads them, UTF-8 refuses them rather than garbling', () => {
    assert.equal(eventsOf(decodeFixture('asterisk_security_latin1.log', 'asterisk-security;encoding=latin1'))[0]?.user, 'josé');
    assert.deepEqual(
      errorsOf(decodeFixture('asterisk_security_latin1.log', 'asterisk-security')).map((e) => e.code),
      ['CDR_BAD_ENCODING'],
    );
  });

  it('messages-log lines are not the security channel: unrecognised, and a From-header address (fail2ban#1927) is never taken', () => {
    const d = decodeFixture('asterisk_messages_fail2ban.log', 'asterisk-security');
    assert.deepEqual(eventsOf(d), []);
    assert.deepEqual(
      errorsOf(d).map((e) => e.code),
      ['EVENT_UNRECOGNISED', 'EVENT_UNRECOGNISED', 'EVENT_UNRECOGNISED'],
    );
  });

  it('a SecurityEvent= that is not at the head of the message is not an event', () => {
    const line =
      '[Dec  3 10:00:01] NOTICE[1] chan_sip.c: "x SecurityEvent="InvalidPassword",EventTV="2026-12-03T10:00:01.000-0300",Severity="Error",Service="SIP",EventVersion="2",AccountID="1",SessionID="2",LocalAddress="IPV4/UDP/10.0.0.5/5060",RemoteAddress="IPV4/UDP/192.0.2.1/5060"';
    assert.deepEqual(
      errorsOf(decodeOne('asterisk-security', line)).map((e) => e.code),
      ['EVENT_UNRECOGNISED'],
    );
  });
});

describe('asterisk-ami: AMI security events', () => {
  it('reads sipban’s real AMI blocks; ChallengeSent is skipped', () => {
    const d = decodeFixture('asterisk_ami_sipban.txt', 'asterisk-ami;tenant=acme', 'block');
    assert.deepEqual(errorsOf(d), []);
    assert.deepEqual(
      eventsOf(d).map((e) => [e.type, e.srcIp, e.srcPort, e.user, e.at]),
      [
        ['unknown-user', '10.211.55.2', 59977, '55001', Date.UTC(2019, 5, 7, 21, 25, 59, 559)],
        ['auth-failed', '10.211.55.2', 52551, '5500', Date.UTC(2019, 5, 7, 21, 17, 59, 819)],
      ],
    );
    assert.equal(d.skipped, 1);
  });

  it('login responses and FullyBooted are skipped, other events are unrecognised; a forged SessionID stays a Call-ID', () => {
    const d = decodeFixture('asterisk_ami_derived.txt', 'asterisk-ami', 'block');
    assert.deepEqual(
      eventsOf(d).map((e) => [e.type, e.srcIp]),
      [
        ['acl-denied', '50.30.42.14'],
        ['auth-failed', '2001:db8::10'],
        ['registered', '10.0.0.185'],
      ],
    );
    assert.deepEqual(
      errorsOf(d).map((e) => e.code),
      ['EVENT_UNRECOGNISED'],
    );
    assert.equal(d.skipped, 2);
  });
});
