import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickHouseApiStore } from '../../src/adapters/clickhouse/api-store.js';
import { parseConfig } from '../../src/config/config.js';
import { composeApi } from '../../src/main/api.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { migrated, NOW, testRules } from '../processor/rig.js';
import { embeddedApi, loginAs, pbxKey, securityWiring, testClock, testLog } from './rig.js';

const check = (q: Record<string, string>) =>
  `/v1/block-check?${new URLSearchParams({ tenant: 'acme', account: 'sales', caller: '1130001000', ...q }).toString()}`;
type Answer = { action: string; reasons: { rule: string; subject: string; source?: string; expiresAt: string | null }[]; emergency?: true };

/** Shared hotlists over the API (issue 16 item 8, item 3's learning; G4, F4): routes, roles, audit, block-check. */
describe('hotlist routes, block-check and confirmed alerts', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());
  type Details = { value?: string; source?: string; note?: string; alertId?: string };
  const audited = async (type: string) =>
    (
      await ch.rows<{ actor: string; details: string }>(`SELECT actor, details FROM ${ch.database}.audit_log WHERE event_type = {type:String} ORDER BY seq`, {
        type,
      })
    ).map((r) => ({ actor: r.actor, details: JSON.parse(r.details) as Details }));

  it('an operator hotlists an IP: block-check refuses it with source and expiry, emergency calls pass, removal lifts it; refusals and changes are audited', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const op = await loginAs(api, 'hl-operator', 'operator');
    const post = (payload: object) => api.app.inject({ method: 'POST', url: '/v1/lists/entries', headers: op, payload });

    const emergency = await post({ type: 'number', value: '112', reason: 'should never work' });
    assert.equal(emergency.statusCode, 400, emergency.body);
    assert.match(emergency.json<{ message: string }>().message, /emergency number 112/);

    const added = await post({ type: 'ip', value: '203.0.113.0/24', reason: 'SIP scanner seen by our SBC', ttl: '7d', category: 'sip-scanner' });
    assert.equal(added.statusCode, 201, added.body);
    const entry = added.json<{ id: string; value: string; source: string; expiresAt: string }>();
    assert.deepEqual([entry.value, entry.source, entry.expiresAt], ['203.0.113.0/24', 'operator:hl-operator', new Date(NOW + 7 * 86_400_000).toISOString()]);

    const blocked = (await api.app.inject({ url: check({ callee: '1140002000', ip: '203.0.113.9' }) })).json<Answer>();
    assert.equal(blocked.action, 'block');
    assert.deepEqual(blocked.reasons, [
      { rule: 'hotlist', subject: 'ip:203.0.113.9', expiresAt: entry.expiresAt, source: 'operator:hl-operator', category: 'sip-scanner' },
    ]);
    const toEmergency = (await api.app.inject({ url: check({ callee: '190', ip: '203.0.113.9' }) })).json<Answer>();
    assert.deepEqual([toEmergency.action, toEmergency.emergency], ['allow', true], 'emergency numbers are never overridden');

    const removed = await api.app.inject({ method: 'DELETE', url: `/v1/lists/entries/${entry.id}?reason=false%20alarm`, headers: op });
    assert.equal(removed.statusCode, 200, removed.body);
    assert.equal((await api.app.inject({ url: check({ callee: '1140002000', ip: '203.0.113.9' }) })).json<Answer>().action, 'allow');
    const again = await api.app.inject({ method: 'DELETE', url: `/v1/lists/entries/${entry.id}?reason=twice`, headers: op });
    assert.equal(again.statusCode, 409);

    assert.deepEqual(
      (await audited('hotlist.add')).map((r) => [r.actor, r.details.value, r.details.source]),
      [['hl-operator', '203.0.113.0/24', 'operator:hl-operator']],
    );
    assert.equal((await audited('hotlist.remove'))[0]?.details.note, 'false alarm');
  });

  it('GET /v1/lists/ips pages APIBAN-style along an ID cursor and ends with "no new bans"; a tenant sees its own and the global entries', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const hl = api.hotlists;
    assert.ok(hl);
    const by = { actor: 'test', ip: '127.0.0.1' };
    for (const [i, tenant] of ['', '', 'acme', 'beta', ''].entries()) {
      await hl.add({ kind: 'ip', value: `198.51.100.${10 + i}`, tenant, source: 'apiban', reason: '', expiresAt: null }, by);
    }
    const admin = await loginAs(api, 'hl-admin', 'administrator');
    const pages: string[][] = [];
    let since: string | undefined;
    for (;;) {
      const res = await api.app.inject({ url: `/v1/lists/ips?limit=2${since ? `&since=${since}` : ''}`, headers: admin });
      const body = res.json<{ ipaddress: string[]; ID: string }>();
      if (res.statusCode === 400) {
        assert.deepEqual(body, { ipaddress: ['no new bans'], ID: 'none' });
        break;
      }
      assert.equal(res.statusCode, 200, res.body);
      pages.push(body.ipaddress);
      since = body.ID;
    }
    const seen = pages.flat().filter((ip) => ip.startsWith('198.51.100.'));
    assert.deepEqual(seen.sort(), ['198.51.100.10', '198.51.100.11', '198.51.100.12', '198.51.100.13', '198.51.100.14']);

    const key = await pbxKey(api, 'beta');
    const forBeta = (await api.app.inject({ url: '/v1/lists/ips?limit=1000', headers: key })).json<{ ipaddress: string[] }>().ipaddress;
    assert.ok(forBeta.includes('198.51.100.13') && forBeta.includes('198.51.100.10') && !forBeta.includes('198.51.100.12'), forBeta.join(' '));
    const user = await loginAs(api, 'hl-user', 'user', { tenant: 'acme', extensions: ['1130001000'] });
    const entries = (await api.app.inject({ url: '/v1/lists/entries?type=ip&value=198.51.100', headers: user })).json<{ items: { tenant: string }[] }>();
    assert.deepEqual([...new Set(entries.items.map((e) => e.tenant))].sort(), ['*', 'acme']);
    const write = await api.app.inject({
      method: 'POST',
      url: '/v1/lists/entries',
      headers: user,
      payload: { type: 'ip', value: '192.0.2.1', reason: 'not mine' },
    });
    assert.equal(write.statusCode, 403);
  });

  it("the feed lists a value as removed only when no entry the caller sees still holds it (a global entry keeps a tenant's removal off the page)", async (t) => {
    // a later clock than the other tests': versions follow it, so this test's changes come after their cursor
    const api = await embeddedApi(t, ch, { clock: testClock(NOW + 3_600_000) });
    const hl = api.hotlists;
    assert.ok(hl);
    const by = { actor: 'test', ip: '127.0.0.1' };
    const key = await pbxKey(api, 'gamma');
    await hl.add({ kind: 'ip', value: '198.18.7.1', tenant: '', source: 'apiban', reason: '', expiresAt: null }, by);
    const before = (await api.app.inject({ url: '/v1/lists/ips?limit=5000', headers: key })).json<{ ID: string }>().ID;
    // gamma's own copy of the global address, and an address only gamma lists: both added, then removed
    for (const value of ['198.18.7.1', '198.18.7.2']) {
      const e = await hl.add({ kind: 'ip', value, tenant: 'gamma', source: 'peer', reason: '', expiresAt: null }, by);
      await hl.remove(e.id, 'gone upstream', by);
    }
    const res = await api.app.inject({ url: `/v1/lists/ips?limit=5000&since=${before}`, headers: key });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json<{ ipaddress: string[]; removed?: string[] }>();
    assert.deepEqual(
      (page.removed ?? []).filter((v) => v.startsWith('198.18.7.')),
      ['198.18.7.2'],
      'the global list still holds .1 for gamma: a consumer must keep it',
    );
    assert.ok(!page.ipaddress.includes('198.18.7.2'));
  });

  it('confirming an alert hotlists its destination range for the tenant (90 days, source alert:<id>); the next call there is refused', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const alert = {
      kind: 'alert' as const,
      id: 'alert-confirm-1',
      tenant: 'acme',
      rule: 'traffic-pumping',
      severity: 'critical' as const,
      subject: { kind: 'destPrefix' as const, value: '+2917' },
      at: NOW - 60_000,
      evidence: [],
      details: {},
    };
    await api.store.insertAlerts([alert]);
    const op = await loginAs(api, 'hl-confirmer', 'operator');
    const before = (await api.app.inject({ url: check({ callee: '+29171234567' }) })).json<Answer>();
    assert.ok(!before.reasons.some((r) => r.rule === 'hotlist'));
    const res = await api.app.inject({
      method: 'POST',
      url: `/v1/alerts/${alert.id}/status`,
      headers: op,
      payload: { status: 'confirmed', note: 'pumping, confirmed with the customer' },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ status: string; hotlisted: { value: string; expiresAt: string } }>();
    assert.deepEqual([body.status, body.hotlisted.value, body.hotlisted.expiresAt], ['confirmed', '+2917', new Date(NOW + 90 * 86_400_000).toISOString()]);
    const after = (await api.app.inject({ url: check({ callee: '+29171234567' }) })).json<Answer>();
    assert.deepEqual(
      after.reasons.filter((r) => r.rule === 'hotlist').map((r) => [r.subject, r.source]),
      [['destination:+29171234567', `alert:${alert.id}`]],
    );
    const other = (await api.app.inject({ url: check({ tenant: 'beta', callee: '+29171234567' }) })).json<Answer>();
    assert.ok(!other.reasons.some((r) => r.rule === 'hotlist'), "another tenant's confirmed attack does not list the range for beta");
    const learned = await audited('hotlist.learn');
    assert.deepEqual(
      learned.map((r) => [r.actor, r.details.value, r.details.alertId]),
      [['hl-confirmer', '+2917', alert.id]],
    );
    // confirming again learns again (a learn that failed after the status was saved is never lost): the same entry
    const again = await api.app.inject({ method: 'POST', url: `/v1/alerts/${alert.id}/status`, headers: op, payload: { status: 'confirmed' } });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json<{ hotlisted: { id: string } }>().hotlisted.id, res.json<{ hotlisted: { id: string } }>().hotlisted.id);
  });

  it('an entry added on one API replica is in effect on another within seconds (periodic reload from ClickHouse)', async (t) => {
    const clock = testClock(NOW);
    const replica = async (name: string) => {
      const config = parseConfig({ CLICKHOUSE_DATABASE: ch.database, SENTINELA_PBX_AUTH: 'none', SENTINELA_MAX_EVENT_LOOP_DELAY: '10s' });
      const api = await composeApi({
        config,
        ruleFiles: testRules(),
        log: testLog(),
        store: new ClickHouseApiStore(ch.client, ch.database),
        ...securityWiring(ch, name),
        clock,
      });
      await api.start();
      t.after(async () => {
        await api.stop();
        await api.app.close();
      });
      return api;
    };
    const [one, two] = [await replica('hl-1'), await replica('hl-2')];
    const probe = check({ callee: '1140002000', ip: '192.0.2.200' });
    assert.equal((await two.app.inject({ url: probe })).json<Answer>().action, 'allow');
    assert.ok(one.hotlists);
    const started = performance.now();
    await one.hotlists.add(
      { kind: 'ip', value: '192.0.2.200', tenant: '', source: 'operator:ana', reason: 'replica test', expiresAt: null },
      { actor: 'ana', ip: '127.0.0.1' },
    );
    assert.equal((await one.app.inject({ url: probe })).json<Answer>().action, 'block', 'at once on the replica that made it');
    let ms = -1;
    while (performance.now() - started < 15_000) {
      if ((await two.app.inject({ url: probe })).json<Answer>().action === 'block') {
        ms = performance.now() - started;
        break;
      }
      await sleep(100);
    }
    assert.ok(ms >= 0, 'the other replica applied the entry');
    t.diagnostic(`entry on replica 1 → block on replica 2 after ${Math.round(ms)} ms`);
  });
});
