import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { routeAccessOf } from '../../../src/adapters/http/app.js';
import type { Role } from '../../../src/domain/security/roles.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { cdr, migrated, NOW } from '../../processor/rig.js';
import { embeddedApi, loginAs, pbxKey, testClock, TEST_PASSWORD } from '../rig.js';
import { SPEC } from './access-matrix.js';

type Api = Awaited<ReturnType<typeof embeddedApi>>;
const ROLE_OF = { A: 'administrator', O: 'operator', R: 'reviewer', D: 'auditor', U: 'user' } as const satisfies Record<string, Role>;
const CALLER = '+551130006666';
const burst = (prefix: string) =>
  [0, 10, 20, 30, 40].map((s, i) =>
    cdr(`${prefix}-${i}`, new Date(NOW - 120_000 + s * 1000).toISOString(), { caller: CALLER, srcIp: '203.0.113.66', callee: `+55114000${3000 + i * 37}` }),
  );

/** Routes outside the matrix: the public login, and the EV09 tamper traps (security/audit.test.ts). */
const NOT_IN_MATRIX = /^(POST \/v1\/login|(DELETE|PUT|PATCH) \/v1\/audit(\/:seq)?)$/;

describe('roles and permissions on every management route (Roles, A7, EV14)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('allows each role exactly what the annex gives it; every denial is a 403 with an audit record', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock, env: { SENTINELA_PBX_AUTH: 'api-key' } });
    const fixtures = await makeFixtures(api);
    const routes = routeAccessOf(api.app)
      .map((r) => `${r.method} ${r.url}`)
      .filter((k) => !NOT_IN_MATRIX.test(k));
    assert.deepEqual([...routes].sort(), Object.keys(SPEC).sort(), 'every management route has a row in the matrix (a new route needs one)');

    const denied: { user: string; route: string }[] = [];
    let n = 0;
    for (const [letter, role] of Object.entries(ROLE_OF)) {
      const user = `matrix-${role}`;
      const ip = `10.0.0.${Object.keys(ROLE_OF).indexOf(letter) + 1}`;
      const password = { current: TEST_PASSWORD };
      let auth = await loginAs(api, user, role, { ip, tenant: 'acme', extensions: [CALLER] });
      for (const route of routes) {
        const request = await fixtures.request(route, ++n, password);
        const res = await api.app.inject({ ...request, remoteAddress: ip, headers: { ...auth, ...(request.headers as Record<string, string> | undefined) } });
        const allowed = (SPEC[route] ?? '').includes(letter);
        if (allowed) {
          assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${role} ${route}: expected 2xx, got ${res.statusCode} ${res.body}`);
        } else {
          assert.deepEqual([res.statusCode, res.json<{ code: string }>().code], [403, 'FORBIDDEN'], `${role} ${route}: ${res.body}`);
          denied.push({ user, route: route.split(' ')[1] as string });
          clock.advance(150_001); // two denials per 5 min stay under EV14's threshold; the next test crosses it
        }
        if (route === 'POST /v1/logout') auth = await relogin(api, user, password.current, ip);
      }
    }
    const records = await ch.rows<{ actor: string; route: string }>(
      `SELECT actor, JSONExtractString(details, 'route') AS route FROM ${ch.database}.audit_log WHERE event_type = 'access.denied'`,
    );
    assert.deepEqual(records.map((r) => `${r.actor} ${r.route}`).sort(), denied.map((d) => `${d.user} ${d.route}`).sort());
    assert.ok(denied.length >= 20, `the matrix denies plenty (${denied.length})`);
  });

  it('bars the user and the address for 5 min after 3 denials within 5 min (EV14)', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    const ip = '10.1.0.1';
    const auth = await loginAs(api, 'curious-reviewer', 'reviewer', { ip });
    const deniedCall = () =>
      api.app.inject({
        method: 'POST',
        url: '/v1/blocks',
        remoteAddress: ip,
        headers: auth,
        payload: { kind: 'ip', value: '192.0.2.1', duration: '1h', reason: 'not mine to do' },
      });
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      codes.push((await deniedCall()).json<{ code: string }>().code);
      clock.advance(60_000);
    }
    assert.deepEqual(codes, ['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    // barred: even an allowed read is refused, the session is over, and a new login from that address is refused too
    const read = await api.app.inject({ url: '/v1/alerts', remoteAddress: ip, headers: auth });
    assert.deepEqual([read.statusCode, read.json<{ code: string }>().code], [403, 'ACCESS_BARRED']);
    const elsewhere = await api.app.inject({
      url: '/v1/alerts',
      remoteAddress: '10.1.0.2',
      headers: await loginAs(api, 'curious-reviewer', 'reviewer', { ip: '10.1.0.2' }),
    });
    assert.deepEqual([elsewhere.statusCode, elsewhere.json<{ code: string }>().code], [403, 'ACCESS_BARRED'], 'the user is barred from any address');
    const [barred] = await ch.rows<{ n: string }>(
      `SELECT count() AS n FROM ${ch.database}.audit_log WHERE event_type = 'access.barred' AND details LIKE '%curious-reviewer%'`,
    );
    assert.equal(Number(barred?.n), 1);
    // 5 minutes later both may work again
    clock.advance(5 * 60_000);
    const again = await api.app.inject({ url: '/v1/alerts', remoteAddress: ip, headers: await loginAs(api, 'curious-reviewer', 'reviewer', { ip }) });
    assert.equal(again.statusCode, 200, again.body);
  });

  it('shows a user only the blocks and alerts of their own extensions', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const admin = await loginAs(api, 'scope-admin', 'administrator');
    await api.app.inject({
      method: 'POST',
      url: '/v1/cdrs',
      headers: { ...admin, 'content-type': 'application/x-ndjson' },
      payload: burst('scope')
        .map((c) => JSON.stringify(c))
        .join('\n'),
    });
    const other = await api.app.inject({
      method: 'POST',
      url: '/v1/blocks',
      headers: admin,
      payload: { tenant: 'acme', kind: 'caller', value: '+551130009999', duration: '1h', reason: 'someone else' },
    });
    const mine = await loginAs(api, 'scope-user', 'user', { ip: '10.2.0.1', tenant: 'acme', extensions: ['1130006666'] });
    const get = (url: string) => api.app.inject({ url, remoteAddress: '10.2.0.1', headers: mine });
    const blocks = (await get('/v1/blocks?limit=1000')).json<{ items: { subject: string }[] }>().items;
    assert.ok(blocks.length > 0 && blocks.every((b) => b.subject === `caller:${CALLER}`), JSON.stringify(blocks));
    assert.equal((await get(`/v1/blocks/${other.json<{ id: string }>().id}`)).statusCode, 404, "another extension's block does not exist for this user");
    const alerts = (await get('/v1/alerts?limit=1000')).json<{ items: { subject: string }[] }>().items;
    assert.ok(alerts.length > 0 && alerts.every((a) => a.subject === `caller:${CALLER}`), JSON.stringify(alerts));
  });
});

async function relogin(api: Api, user: string, password: string, ip: string) {
  const res = await api.app.inject({ method: 'POST', url: '/v1/login', remoteAddress: ip, payload: { user, password } });
  assert.equal(res.statusCode, 200, res.body);
  return { authorization: `Bearer ${res.json<{ token: string }>().token}` };
}

/** A valid request for every route; ids of things to act on are made fresh by an administrator from another address. */
async function makeFixtures(api: Api) {
  const adminIp = '10.9.9.9';
  const admin = await loginAs(api, 'fixture-admin', 'administrator', { ip: adminIp });
  const asAdmin = (o: InjectOptions) =>
    api.app.inject({ ...o, remoteAddress: adminIp, headers: { ...admin, ...(o.headers as Record<string, string> | undefined) } });
  const key = await pbxKey(api, 'acme');
  const ingest = await api.app.inject({
    method: 'POST',
    url: '/v1/cdrs',
    headers: { ...key, 'content-type': 'application/x-ndjson' },
    payload: burst('matrix')
      .map((c) => JSON.stringify(c))
      .join('\n'),
  });
  assert.equal(ingest.statusCode, 200, ingest.body);
  const alertId = (await api.store.searchAlerts({ tenant: 'acme', subject: CALLER, limit: 1, offset: 0 })).items[0]?.id;
  const blockId = (await api.store.searchBlocks({ tenant: 'acme', subject: CALLER, limit: 1, offset: 0 }, NOW)).items[0]?.id;
  assert.ok(alertId && blockId, 'the burst made an alert and a block');
  const freshBlock = async () =>
    (
      await asAdmin({
        method: 'POST',
        url: '/v1/blocks',
        payload: { tenant: 'acme', kind: 'ip', value: '198.51.100.9', duration: '1h', reason: 'to be lifted' },
      })
    ).json<{ id: string }>().id;

  // made through the service: the fixture admin's session goes idle while the matrix advances the clock
  const hotlistEntry = async (n: number) => {
    assert.ok(api.hotlists, 'the API has hotlists');
    const made = await api.hotlists.add(
      { kind: 'ip', value: `192.0.2.${n % 250}`, tenant: '', source: 'operator:fixture', reason: 'matrix fixture', expiresAt: NOW + 86_400_000 },
      { actor: 'fixture', ip: adminIp },
    );
    return made.id;
  };
  await hotlistEntry(0);

  const request = async (route: string, n: number, password: { current: string }): Promise<InjectOptions> => {
    switch (route) {
      case 'POST /v1/logout':
        return { method: 'POST', url: '/v1/logout' };
      case 'GET /v1/me':
        return { url: '/v1/me' };
      case 'POST /v1/me/password': {
        const next = `Nova#Senha-${n}x`;
        const current = password.current;
        password.current = next;
        return { method: 'POST', url: '/v1/me/password', payload: { current, password: next } };
      }
      case 'GET /v1/blocks':
        return { url: '/v1/blocks' };
      case 'GET /v1/blocks/:id':
        return { url: `/v1/blocks/${blockId}` };
      case 'POST /v1/blocks':
        return {
          method: 'POST',
          url: '/v1/blocks',
          payload: { tenant: 'acme', kind: 'ip', value: `198.51.100.${n % 250}`, duration: '10m', reason: 'matrix test' },
        };
      case 'POST /v1/blocks/:id/unblock':
        return { method: 'POST', url: `/v1/blocks/${await freshBlock()}/unblock`, payload: { reason: 'matrix test' } };
      case 'GET /v1/alerts':
        return { url: '/v1/alerts' };
      case 'GET /v1/alerts/:id':
        return { url: `/v1/alerts/${alertId}` };
      case 'POST /v1/alerts/:id/status':
        return { method: 'POST', url: `/v1/alerts/${alertId}/status`, payload: { status: 'acknowledged', note: 'matrix test' } };
      case 'GET /v1/rules':
        return { url: '/v1/rules' };
      case 'POST /v1/block-check/preview':
        return { method: 'POST', url: '/v1/block-check/preview', payload: { tenant: 'acme', account: 'acme-sp', caller: CALLER, callee: '+551140003000' } };
      case 'POST /v1/rules/compare':
        return { method: 'POST', url: '/v1/rules/compare', payload: { files: { 'velocity.yaml': readFileSync('rules/velocity.yaml', 'utf8') }, days: 1 } };
      case 'POST /v1/cdrs':
        return {
          method: 'POST',
          url: '/v1/cdrs',
          headers: { 'content-type': 'application/x-ndjson' },
          payload: JSON.stringify(cdr(`matrix-cdr-${n}`, new Date(NOW).toISOString())),
        };
      case 'POST /v1/events':
        return {
          method: 'POST',
          url: '/v1/events',
          headers: { 'content-type': 'application/x-ndjson' },
          payload: JSON.stringify({ at: new Date(NOW).toISOString(), tenant: 'acme', type: 'auth-failed', srcIp: '203.0.113.9', callId: `matrix-${n}` }),
        };
      case 'GET /v1/events':
        return { url: '/v1/events?tenant=acme&ip=203.0.113.9' };
      case 'GET /v1/users':
        return { url: '/v1/users' };
      case 'POST /v1/users':
        return { method: 'POST', url: '/v1/users', payload: { name: `made-${n}`, role: 'reviewer', password: TEST_PASSWORD } };
      case 'POST /v1/users/:name/unlock': {
        await api.security.accounts.addUser({ name: `locked-${n}`, role: 'reviewer', password: TEST_PASSWORD }, { actor: 'fixture', ip: adminIp });
        await api.security.accounts.lock(`locked-${n}`, 'fixture');
        return { method: 'POST', url: `/v1/users/locked-${n}/unlock` };
      }
      case 'GET /v1/api-keys':
        return { url: '/v1/api-keys' };
      case 'POST /v1/api-keys':
        return { method: 'POST', url: '/v1/api-keys', payload: { tenant: 'acme', name: `pbx-${n}` } };
      case 'POST /v1/api-keys/:id/revoke':
        return {
          method: 'POST',
          url: `/v1/api-keys/${(await api.security.apiKeys.create('acme', `to-revoke-${n}`, { actor: 'fixture', ip: adminIp })).record.id}/revoke`,
        };
      case 'GET /v1/audit':
        return { url: '/v1/audit?limit=5' };
      case 'POST /v1/audit/verify':
        return { method: 'POST', url: '/v1/audit/verify' };
      case 'GET /v1/audit/switches':
        return { url: '/v1/audit/switches' };
      case 'PUT /v1/audit/switches/:type':
        return { method: 'PUT', url: '/v1/audit/switches/alert.status', payload: { enabled: true } };
      case 'GET /v1/lists/ips':
        return { url: '/v1/lists/ips' };
      case 'GET /v1/lists/entries':
        return { url: '/v1/lists/entries' };
      case 'POST /v1/lists/entries':
        return { method: 'POST', url: '/v1/lists/entries', payload: { type: 'number', value: `+2917${n}`, reason: 'matrix test', ttl: '1h' } };
      case 'DELETE /v1/lists/entries/:id':
        return { method: 'DELETE', url: `/v1/lists/entries/${await hotlistEntry(n)}?reason=matrix%20test` };
      case 'GET /v1/stats/traffic':
      case 'GET /v1/stats/alerts':
      case 'GET /v1/stats/rules':
      case 'GET /v1/stats/decisions':
      case 'GET /v1/stats/top-accounts':
        return { url: `${route.split(' ')[1] as string}?from=${new Date(NOW - 3_600_000).toISOString()}&to=${new Date(NOW).toISOString()}` };
      default:
        throw new Error(`no request for ${route}: add one to the matrix test`);
    }
  };
  return { request };
}
