import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { cdr, migrated, NOW } from '../../processor/rig.js';
import { embeddedApi, loginAs, testClock } from '../rig.js';

const CHECK = '/v1/block-check?tenant=acme&account=sales&caller=%2B551130001000&callee=%2B551140002000';

describe('PBX API keys on block-check and CDR ingest', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('needs a valid, unrevoked key for the asked tenant; keys are stored hashed and every change is audited', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), env: { SENTINELA_PBX_AUTH: 'api-key' } });
    const admin = await loginAs(api, 'key-admin', 'operator');
    const made = await api.app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { tenant: 'acme', name: 'asterisk-sp-01' } });
    assert.equal(made.statusCode, 201, made.body);
    const { id, key } = made.json<{ id: string; key: string }>();
    const check = (headers: Record<string, string>) => api.app.inject({ url: CHECK, headers });

    const codes = async (headers: Record<string, string>) => {
      const res = await check(headers);
      return [res.statusCode, res.statusCode === 200 ? res.json<{ action: string }>().action : res.json<{ code: string }>().code];
    };
    assert.deepEqual(await codes({}), [401, 'AUTH_REQUIRED']);
    assert.deepEqual(
      await codes({ authorization: `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` }),
      [401, 'AUTH_REQUIRED'],
      'one wrong character',
    );
    assert.deepEqual(await codes({ authorization: 'Bearer snk_short' }), [401, 'AUTH_REQUIRED'], 'wrong length never throws');
    assert.deepEqual(await codes({ authorization: `Bearer ${key}` }), [200, 'allow']);
    assert.deepEqual(await codes({ 'x-api-key': key }), [200, 'allow'], 'X-Api-Key for PBXes that cannot set Authorization');
    assert.deepEqual(
      await codes({ authorization: `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` }),
      [401, 'AUTH_REQUIRED'],
      'one wrong character, once the right key was verified (and remembered)',
    );
    const other = await api.app.inject({ url: CHECK.replace('tenant=acme', 'tenant=globex'), headers: { authorization: `Bearer ${key}` } });
    assert.deepEqual([other.statusCode, other.json<{ code: string }>().code], [403, 'FORBIDDEN'], 'a key answers for its tenant only');
    assert.equal(
      (await api.app.inject({ url: '/v1/alerts', headers: { authorization: `Bearer ${key}` } })).statusCode,
      403,
      'a PBX key is no management credential',
    );

    const [stored] = await ch.rows<{ secret_sha256: string }>(`SELECT secret_sha256 FROM ${ch.database}.api_keys FINAL WHERE id = {id:String}`, { id });
    assert.match(stored?.secret_sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.ok(!key.includes(stored?.secret_sha256 ?? 'x'), 'the secret itself is not stored');
    assert.equal(
      // the secret is the key's last 43 characters (base64url may itself hold '_', so no split on it)
      (await api.app.inject({ url: '/v1/api-keys', headers: admin })).body.includes(key.slice(-43)),
      false,
      'listing never shows a secret',
    );

    assert.equal((await api.app.inject({ method: 'POST', url: `/v1/api-keys/${id}/revoke`, headers: admin })).statusCode, 200);
    assert.deepEqual(await codes({ authorization: `Bearer ${key}` }), [401, 'AUTH_REQUIRED'], 'revoked at once on this replica');
    const events = await ch.rows<{ event_type: string }>(`SELECT event_type FROM ${ch.database}.audit_log WHERE details LIKE {id:String} ORDER BY at, seq`, {
      id: `%${id}%`,
    });
    assert.deepEqual(
      events.map((e) => e.event_type),
      ['apikey.add', 'apikey.revoke'],
    );
  });

  it('lets a PBX key ingest CDRs', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), env: { SENTINELA_PBX_AUTH: 'api-key' } });
    const { key } = await api.security.apiKeys.create('*', 'exporter', { actor: 'test', ip: '127.0.0.1' });
    const line = JSON.stringify(cdr('k-1', new Date(NOW).toISOString()));
    const res = await api.app.inject({ method: 'POST', url: '/v1/cdrs', headers: { 'x-api-key': key, 'content-type': 'application/x-ndjson' }, payload: line });
    assert.deepEqual([res.statusCode, res.json<{ accepted: number }>().accepted], [200, 1], res.body);
    assert.equal(
      (await api.app.inject({ method: 'POST', url: '/v1/cdrs', headers: { 'content-type': 'application/x-ndjson' }, payload: line })).statusCode,
      401,
    );
  });

  it("binds every record a tenant's key posts to that tenant: another tenant's CDRs are refused and dead-lettered", async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), env: { SENTINELA_PBX_AUTH: 'api-key' } });
    const { key } = await api.security.apiKeys.create('acme', 'asterisk-acme', { actor: 'test', ip: '127.0.0.1' });
    const at = new Date(NOW).toISOString();
    const post = (...records: object[]) =>
      api.app.inject({
        method: 'POST',
        url: '/v1/cdrs',
        headers: { 'x-api-key': key, 'content-type': 'application/x-ndjson' },
        payload: records.map((r) => JSON.stringify(r)).join('\n'),
      });
    const mixed = await post(cdr('own-1', at), cdr('foreign-1', at, { tenant: 'globex' }));
    const summary = mixed.json<{ accepted: number; rejected: { line: number; code: string; path: string; message: string }[] }>();
    assert.equal(mixed.statusCode, 200, mixed.body);
    assert.equal(summary.accepted, 1);
    assert.deepEqual(
      summary.rejected.map((r) => [r.line, r.code, r.path]),
      [[2, 'CDR_TENANT_FORBIDDEN', 'tenant']],
    );
    assert.match(summary.rejected[0]?.message ?? '', /for tenant acme; the record is for tenant globex/);
    const only = await post(cdr('foreign-2', at, { tenant: 'globex' }));
    assert.equal(only.statusCode, 422, 'nothing accepted');
    const stored = await ch.rows<{ id: string; tenant: string }>(
      `SELECT id, tenant FROM ${ch.database}.cdrs FINAL WHERE id IN ('own-1', 'foreign-1', 'foreign-2') ORDER BY id`,
    );
    assert.deepEqual(stored, [{ id: 'own-1', tenant: 'acme' }]);
    const dead = await ch.rows<{ error_code: string; payload: string }>(
      `SELECT error_code, payload FROM ${ch.database}.rejected_cdrs FINAL WHERE source_kind = 'http' AND error_code = 'CDR_TENANT_FORBIDDEN' ORDER BY payload`,
    );
    assert.deepEqual(
      dead.map((d) => (JSON.parse(d.payload) as { id: string }).id),
      ['foreign-1', 'foreign-2'],
    );
  });

  it('answers a valid key with the fail policy (loading), not 401, while a starting replica has not loaded its keys', async (t) => {
    const env = { SENTINELA_PBX_AUTH: 'api-key', SENTINELA_FAIL_POLICY: 'closed' };
    const running = await embeddedApi(t, ch, { clock: testClock(NOW), env });
    const { key } = await running.security.apiKeys.create('acme', 'asterisk-acme', { actor: 'test', ip: '127.0.0.1' });
    const starting = await embeddedApi(t, ch, { clock: testClock(NOW), env, start: false });
    const early = await starting.app.inject({ url: CHECK, headers: { authorization: `Bearer ${key}` } });
    assert.equal(early.statusCode, 200, 'as every answer while the replica loads');
    assert.deepEqual(early.json<{ action: string; policy: string; degraded: string }>(), {
      action: 'block',
      reasons: [{ rule: 'fail-closed', subject: 'tenant:acme', expiresAt: null }],
      policy: 'fail-closed',
      degraded: 'loading',
    });
    assert.equal(
      (await starting.app.inject({ url: CHECK, headers: { authorization: 'Bearer snk_not_a_key' } })).json<{ degraded: string }>().degraded,
      'loading',
      'it cannot tell yet',
    );
    assert.equal((await starting.app.inject({ url: CHECK, headers: { authorization: 'Bearer nonsense' } })).statusCode, 401, 'not a key at all');
    const ingest = await starting.app.inject({
      method: 'POST',
      url: '/v1/cdrs',
      headers: { 'x-api-key': key, 'content-type': 'application/x-ndjson' },
      payload: JSON.stringify(cdr('loading-1', new Date(NOW).toISOString())),
    });
    assert.deepEqual([ingest.statusCode, ingest.json<{ code: string }>().code], [503, 'INGEST_UNAVAILABLE'], 'retryable, not 401');
    await starting.start();
    const ready = await starting.app.inject({ url: CHECK, headers: { authorization: `Bearer ${key}` } });
    assert.deepEqual([ready.statusCode, ready.json<{ policy: string }>().policy], [200, 'normal']);
  });
});
