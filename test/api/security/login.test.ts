import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { migrated, NOW } from '../../processor/rig.js';
import { embeddedApi, loginAs, testClock, TEST_PASSWORD } from '../rig.js';

type Api = Awaited<ReturnType<typeof embeddedApi>>;
const login = (api: Api, user: string, password: string, ip = '10.3.0.1') =>
  api.app.inject({ method: 'POST', url: '/v1/login', remoteAddress: ip, payload: { user, password } });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('login, lockout and sessions (EV03, A7, A8, A9)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('locks a user after 5 failures within 1 min until an administrator unlocks them (EV03), and shows the history (A8)', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    await api.security.accounts.addUser({ name: 'bruno', role: 'operator', password: TEST_PASSWORD }, { actor: 'test', ip: '127.0.0.1' });
    const first = await login(api, 'bruno', TEST_PASSWORD, '10.3.0.9');
    assert.deepEqual(first.json<{ history: unknown }>().history, { lastLogin: null, lastFailure: null, failuresSince: 0 });

    clock.advance(3_600_000);
    for (let i = 0; i < 4; i++) {
      clock.advance(10_000);
      assert.equal((await login(api, 'bruno', 'Wrong#Pass1')).statusCode, 401);
    }
    // four failures, then a success: A8 shows the previous login, the last failure and the count
    const ok = await login(api, 'bruno', TEST_PASSWORD);
    assert.deepEqual(ok.json<{ history: unknown }>().history, {
      lastLogin: { at: new Date(NOW).toISOString(), ip: '10.3.0.9', method: 'password' },
      lastFailure: { at: new Date(NOW + 3_640_000).toISOString(), ip: '10.3.0.1' },
      failuresSince: 4,
    });
    const me = await api.app.inject({ url: '/v1/me', remoteAddress: '10.3.0.1', headers: bearer(ok.json<{ token: string }>().token) });
    assert.deepEqual(me.json<{ history: unknown }>().history, ok.json<{ history: unknown }>().history);

    // a success resets the window: five new failures within a minute lock
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(5_000);
      codes.push((await login(api, 'bruno', 'Wrong#Pass1')).json<{ code: string }>().code);
    }
    assert.deepEqual(codes, ['AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED', 'ACCOUNT_LOCKED']);
    const locked = await login(api, 'bruno', TEST_PASSWORD);
    assert.deepEqual([locked.statusCode, locked.json<{ code: string }>().code], [423, 'ACCOUNT_LOCKED'], 'the right password does not help');
    clock.advance(3_600_000);
    assert.equal((await login(api, 'bruno', TEST_PASSWORD)).statusCode, 423, 'the lock does not lapse by itself');

    const admin = await loginAs(api, 'root-admin', 'administrator');
    const unlocked = await api.app.inject({ method: 'POST', url: '/v1/users/bruno/unlock', headers: admin });
    assert.equal(unlocked.statusCode, 200, unlocked.body);
    assert.equal((await login(api, 'bruno', TEST_PASSWORD)).statusCode, 200);
    const events = await ch.rows<{ event_type: string; result: string }>(
      `SELECT event_type, result FROM ${ch.database}.audit_log WHERE event_type IN ('auth.locked', 'user.unlock') OR (event_type = 'auth.login' AND actor = 'bruno') ORDER BY at, seq`,
    );
    assert.deepEqual(
      events.filter((e) => e.event_type !== 'auth.login').map((e) => e.event_type),
      ['auth.locked', 'user.unlock'],
    );
    assert.equal(
      events.filter((e) => e.event_type === 'auth.login' && e.result === 'failure').length,
      4 + 6 + 2,
      'every failure is audited, locked attempts included',
    );
  });

  it('answers an unknown user exactly like a wrong password', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const unknown = await login(api, 'nobody-here', 'Wrong#Pass1');
    await api.security.accounts.addUser({ name: 'carla', role: 'reviewer', password: TEST_PASSWORD }, { actor: 'test', ip: '127.0.0.1' });
    const wrong = await login(api, 'carla', 'Wrong#Pass1');
    assert.deepEqual([unknown.statusCode, unknown.body], [wrong.statusCode, wrong.body]);
  });

  it('ends sessions after 5 min idle, on a new login, on logout, and when the token is used from another address (A7)', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    await api.security.accounts.addUser({ name: 'dora', role: 'auditor', password: TEST_PASSWORD }, { actor: 'test', ip: '127.0.0.1' });
    const tokenOf = async (ip = '10.3.0.1') => (await login(api, 'dora', TEST_PASSWORD, ip)).json<{ token: string }>().token;
    const me = (token: string, ip = '10.3.0.1') => api.app.inject({ url: '/v1/me', remoteAddress: ip, headers: bearer(token) });

    const a = await tokenOf();
    clock.advance(4 * 60_000);
    assert.equal((await me(a)).statusCode, 200, 'activity within 5 min keeps it');
    clock.advance(4 * 60_000);
    assert.equal((await me(a)).statusCode, 200);
    clock.advance(5 * 60_000 + 1);
    assert.deepEqual(
      [(await me(a)).statusCode, (await me(a)).json<{ code: string }>().code],
      [401, 'AUTH_REQUIRED'],
      'idle: ended, and an ended token is unknown for good',
    );

    const b = await tokenOf();
    const c = await tokenOf('10.3.0.2');
    assert.equal((await me(b)).statusCode, 401, 'one session per user: the new login ended the old one');
    assert.equal((await me(c, '10.3.0.2')).statusCode, 200);
    const replayed = await me(c, '10.3.0.66');
    assert.deepEqual([replayed.statusCode, replayed.json<{ code: string }>().code], [401, 'SESSION_ENDED'], 'a token from another address is refused');
    assert.equal((await me(c, '10.3.0.2')).statusCode, 401, '… and the session it belonged to is over');

    const d = await tokenOf();
    assert.equal((await api.app.inject({ method: 'POST', url: '/v1/logout', remoteAddress: '10.3.0.1', headers: bearer(d) })).statusCode, 204);
    assert.equal((await me(d)).statusCode, 401);
    assert.equal(
      (await api.app.inject({ url: '/v1/blocks', remoteAddress: '10.3.0.1' })).json<{ code: string }>().code,
      'AUTH_REQUIRED',
      'no action without authentication',
    );
    const ended = await ch.rows<{ reason: string }>(
      `SELECT JSONExtractString(details, 'reason') AS reason FROM ${ch.database}.audit_log WHERE event_type = 'auth.session_ended' AND actor = 'dora' ORDER BY at, seq`,
    );
    assert.deepEqual(
      ended.map((e) => e.reason),
      ['idle', 'new login', 'other-ip'],
    );
  });

  it('enforces the password policy and refuses the last passwords again (A9)', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const admin = await loginAs(api, 'policy-admin', 'administrator');
    const weak = await api.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin,
      payload: { name: 'erika.lima', fullName: 'Erika Lima', role: 'operator', password: 'erika.lima2026' },
    });
    assert.deepEqual([weak.statusCode, weak.json<{ code: string }>().code], [422, 'PASSWORD_REJECTED']);
    assert.match(weak.json<{ message: string }>().message, /upper-case.*user name/);
    assert.equal(
      (
        await api.app.inject({
          method: 'POST',
          url: '/v1/users',
          headers: admin,
          payload: { name: 'erika.lima', fullName: 'Erika Lima', role: 'operator', password: TEST_PASSWORD },
        })
      ).statusCode,
      201,
    );

    const session = bearer((await login(api, 'erika.lima', TEST_PASSWORD)).json<{ token: string }>().token);
    const change = (current: string, password: string) =>
      api.app.inject({ method: 'POST', url: '/v1/me/password', remoteAddress: '10.3.0.1', headers: session, payload: { current, password } });
    assert.equal((await change(TEST_PASSWORD, 'Segunda#Senha1')).statusCode, 204);
    assert.equal((await change('Segunda#Senha1', 'Terceira#Senha2')).statusCode, 204);
    const reuse = await change('Terceira#Senha2', TEST_PASSWORD);
    assert.deepEqual([reuse.statusCode, reuse.json<{ code: string }>().code], [422, 'PASSWORD_REJECTED']);
    assert.equal((await change('Wrong#Pass1', 'Quarta#Senha3')).statusCode, 401);
    const [row] = await ch.rows<{ h: string; history: string[] }>(
      `SELECT password_hash AS h, password_history AS history FROM ${ch.database}.users FINAL WHERE name = 'erika.lima'`,
    );
    assert.match(row?.h ?? '', /^scrypt\$32768\$8\$1\$/, 'stored as scrypt, never as text');
    assert.equal(row?.history.length, 2);
  });
});
