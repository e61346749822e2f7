import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFixture, decodeOne, errorsOf, eventsOf } from './decode.js';

describe('kamailio-security: the lines deploy/kamailio/security.cfg writes', () => {
  it('reads the lines Kamailio 5.6 wrote running the snippet: auth failure, scanner, flood samples summing to 5', () => {
    const d = decodeFixture('kamailio_security_cfg_run.log', 'kamailio-security;tenant=acme');
    const events = eventsOf(d);
    assert.deepEqual(
      events.map((e) => [e.type, e.count]),
      [
        ['auth-failed', 1],
        ['scanner-signature', 1],
        ['flood-sample', 2],
        ['flood-sample', 1],
        ['flood-sample', 1],
        ['flood-sample', 1],
      ],
    );
    assert.ok(events.every((e) => e.tenant === 'acme' && e.srcIp === '127.0.0.1' && e.transport === 'udp' && e.reporter === 'sbc1'));
    assert.equal(new Set(events.filter((e) => e.type === 'flood-sample').map((e) => e.fingerprint)).size, 1);
    assert.equal(events[0]?.userAgent, 'Yealink "T46"', 'jansson escaped the quotes the sender wrote');
    assert.equal(events[0]?.at, Date.UTC(2026, 11, 3, 12, 27, 31));
    assert.deepEqual(
      errorsOf(d).map((e) => e.code),
      ['EVENT_UNRECOGNISED'],
      'a Kamailio line without the marker',
    );
  });

  it('a marked line cut by a syslog length limit is refused with the JSON code; the contract still judges the rest', () => {
    const cut = 'Dec  3 10:00:01 sbc1 kamailio[1]: NOTICE: <script>: sentinela-event {"at":"2026-12-03T12:27:31Z","type":"auth-fa';
    assert.deepEqual(
      errorsOf(decodeOne('kamailio-security', cut)).map((e) => e.code),
      ['CDR_NOT_JSON'],
    );
    const forged = 'sentinela-event {"at":"2026-12-03T12:27:31Z","type":"auth-failed","srcIp":"127.0.0.1","via":"10.0.0.1"}';
    assert.deepEqual(
      errorsOf(decodeOne('kamailio-security', forged)).map((e) => [e.code, e.details.path]),
      [['EVENT_INVALID', 'via']],
    );
    assert.deepEqual(
      errorsOf(decodeOne('kamailio-security', 'sentinela-event [1,2]')).map((e) => e.code),
      ['EVENT_INVALID'],
    );
  });
});

describe('event: the canonical security-event JSON as is', () => {
  it('accepts the contract and refuses what is not JSON', () => {
    const ok = decodeOne('event', '{"at":"2026-12-03T10:00:00-03:00","tenant":"acme","type":"unknown-user","srcIp":"203.0.113.7","user":"100"}');
    assert.deepEqual(
      eventsOf(ok).map((e) => [e.type, e.tenant, e.at]),
      [['unknown-user', 'acme', Date.UTC(2026, 11, 3, 13)]],
    );
    assert.deepEqual(
      errorsOf(decodeOne('event', '{"type":')).map((e) => e.code),
      ['CDR_NOT_JSON'],
    );
    assert.deepEqual(
      errorsOf(decodeOne('event', '{"at":1796302800000,"type":"flood-sample","srcIp":"203.0.113.7"}')).map((e) => e.details.path),
      ['fingerprint'],
    );
  });
});
