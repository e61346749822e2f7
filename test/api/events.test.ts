import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { profilesFileSpec } from '../../src/domain/rules/profile-spec.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { migrated, NOW, testRules } from '../processor/rig.js';
import { waitFor } from '../processor/rig.js';
import { embeddedApi, loginAs, receiver, testClock } from './rig.js';

const ndjson = (lines: readonly unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
const CHECK = '/v1/block-check?tenant=acme&account=sales&caller=1001&callee=%2B551140002000';
/** A failed REGISTER as a PBX reports it (canonical event), `s` seconds before NOW. */
const failure = (s: number, o: Record<string, unknown> = {}) => ({
  at: new Date(NOW - s * 1000).toISOString(),
  tenant: 'acme',
  type: 'auth-failed',
  srcIp: '203.0.113.77',
  srcPort: 5072,
  transport: 'udp',
  user: '1001',
  method: 'REGISTER',
  callId: `reg-${s}@scanner`,
  userAgent: 'friendly-scanner',
  ...o,
});

describe('POST /v1/events: security events through the embedded pipeline (issue 18, chDB)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('stores events once, dead-letters bad lines with their code, and blocks the scanning IP at block-check', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const post = (body: string) =>
      api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...op, 'content-type': 'application/x-ndjson' }, payload: body });
    const body = ndjson([
      failure(50),
      failure(40),
      failure(30),
      '{"at": broken',
      failure(20, { srcIp: 'sip:attacker@example.com' }),
      failure(15, { via: '10.0.0.1' }),
    ]);
    const res = await post(body);
    assert.equal(res.statusCode, 200, res.body);
    const summary = res.json<{
      received: number;
      accepted: number;
      rejected: { line: number; code: string; path: string }[];
      verdicts: { kind: string; rule: string; subject: string }[];
    }>();
    assert.deepEqual(
      [summary.received, summary.accepted, summary.rejected.map((r) => [r.line, r.code, r.path])],
      [
        6,
        3,
        [
          [4, 'CDR_NOT_JSON', ''],
          [5, 'EVENT_INVALID', 'srcIp'],
          [6, 'EVENT_INVALID', 'via'],
        ],
      ],
    );
    // a scanner's user agent weighs 2 (rules/signalling.yaml): its third failure reaches EV01's 5
    assert.deepEqual(
      summary.verdicts.filter((v) => v.kind === 'block').map((v) => [v.rule, v.subject]),
      [['registration-failures-ip', 'ip:203.0.113.77']],
    );
    const check = await api.app.inject({ url: `${CHECK}&ip=203.0.113.77` });
    assert.equal(check.json<{ action: string }>().action, 'block', check.body);
    assert.equal((await api.app.inject({ url: `${CHECK}&ip=198.51.100.9` })).json<{ action: string }>().action, 'allow');

    // a retried POST is recognised: nothing counted or stored twice
    const again = (await post(body)).json<{ accepted: number; duplicates: number }>();
    assert.deepEqual([again.accepted, again.duplicates], [0, 3]);
    const stored = await ch.rows<{ n: string; ips: string[] }>(
      `SELECT count() AS n, groupUniqArray(src_ip) AS ips FROM ${ch.database}.signalling_events FINAL WHERE tenant = 'acme'`,
    );
    assert.deepEqual([Number(stored[0]?.n), stored[0]?.ips], [3, ['203.0.113.77']]);
    const rejected = await ch.rows<{ code: string }>(
      `SELECT error_code AS code FROM ${ch.database}.rejected_cdrs FINAL WHERE source_kind = 'http' AND format = 'event' ORDER BY source_offset`,
    );
    assert.deepEqual(
      rejected.map((r) => r.code),
      ['CDR_NOT_JSON', 'EVENT_INVALID', 'EVENT_INVALID'],
    );
  });

  it("the operator's SBC (allow-listed) is never blocked, however many failures it relays", async (t) => {
    const clock = testClock(NOW);
    const shipped = testRules();
    const profiles = profilesFileSpec.parse({ lists: { allow: { ips: ['198.51.100.0/28'] } } });
    const api = await embeddedApi(t, ch, { clock, ruleFiles: { ...shipped, profiles } });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const relayed = Array.from({ length: 20 }, (_, i) => failure(60 - i, { srcIp: '198.51.100.2', user: `u${i}`, callId: `sbc-${i}` }));
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...op, 'content-type': 'application/x-ndjson' },
      payload: ndjson(relayed),
    });
    const summary = res.json<{ accepted: number; verdicts: unknown[] }>();
    assert.deepEqual([summary.accepted, summary.verdicts], [20, []]);
    assert.equal((await api.app.inject({ url: `${CHECK}&ip=198.51.100.2` })).json<{ action: string }>().action, 'allow');
  });

  it('a PBX log posted whole: every line is accounted for, irrelevant ones as skipped (received = accepted + duplicates + rejected + skipped)', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const log = readFileSync('test/fixtures/signalling/asterisk_security_derived.log');
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/events?format=asterisk-security;tenant=acme',
      headers: { ...op, 'content-type': 'text/plain' },
      payload: log,
    });
    assert.equal(res.statusCode, 200, res.body);
    const s = res.json<{ received: number; accepted: number; duplicates: number; skipped: number; rejected: { code: string }[] }>();
    assert.ok(s.skipped > 0, 'ChallengeSent is read and skipped');
    assert.equal(s.accepted + s.duplicates + s.rejected.length + s.skipped, s.received, JSON.stringify(s));
  });

  it('embedded mode: a posted PBX log whose lines stop matching their format raises the A1 alarm, as the processor does', async (t) => {
    const hook = await receiver(t);
    const env = { SENTINELA_ALARM_WEBHOOK_URL: hook.url, SENTINELA_ALARM_WEBHOOK_SECRET: 'alarm-secret-for-tests' };
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), env });
    const op = await loginAs(api, 'noc-ops', 'operator');
    // after an upgrade the PBX logs `SECURITY: InvalidPassword …` (no longer key="value"): nothing matches
    const drifted = Array.from({ length: 25 }, (_, i) => `[Dec  3 10:00:${String(i).padStart(2, '0')}] SECURITY: InvalidPassword from 203.0.113.92 user 1001`);
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/events?format=asterisk-security;tenant=acme',
      headers: { ...op, 'content-type': 'text/plain' },
      payload: drifted.join('\n'),
    });
    assert.equal(res.json<{ rejected: { code: string }[] }>().rejected.filter((r) => r.code === 'EVENT_UNRECOGNISED').length, 25);
    await waitFor(() => hook.received.some((r) => r.body.includes('"kind":"security"')), 'an alarm about the source');
    const alarm = JSON.parse(hook.received.find((r) => r.body.includes('"kind":"security"'))?.body ?? '{}') as {
      severity: string;
      details: { format: string; state: string; ratio: number };
    };
    assert.deepEqual([alarm.severity, alarm.details.format, alarm.details.state, alarm.details.ratio], ['critical', 'asterisk-security', 'failing', 0]);
  });
});
