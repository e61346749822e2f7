import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { runCli } from '../../../src/cli/main.js';
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
    const elsewhere = await login(api, 'bruno', TEST_PASSWORD, '10.3.0.77');
    assert.equal(elsewhere.statusCode, 200, 'the lock holds for the address the failures came from only');
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

  it('answers an unknown user name exactly like a known one at every step, the EV03 lock included (property)', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    const took = { known: [] as number[], unknown: [] as number[] };
    const attempt = async (user: string, ip: string, kind: 'known' | 'unknown') => {
      const started = performance.now();
      const res = await login(api, user, 'Wrong#Pass1', ip);
      took[kind].push(performance.now() - started);
      return `${res.statusCode} ${res.body}`;
    };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 25_000 }), { minLength: 1, maxLength: 8 }), async (gaps) => {
        const known = `carla-${++run}`;
        const ip = `10.4.${run}.1`;
        await api.security.accounts.addUser({ name: known, role: 'reviewer', password: TEST_PASSWORD }, { actor: 'test', ip: '127.0.0.1' });
        const seen = { known: [] as string[], unknown: [] as string[] };
        for (const gap of gaps) {
          clock.advance(gap);
          seen.known.push(await attempt(known, ip, 'known'));
          seen.unknown.push(await attempt(`nobody-${run}`, ip, 'unknown'));
        }
        assert.deepEqual(seen.unknown, seen.known);
        // and both follow EV03: locked once 5 attempts fall within one minute
        const times = gaps.map((_, i) => gaps.slice(0, i + 1).reduce((a, b) => a + b, 0));
        let locked = false;
        const expected = times.map((at, i) => {
          if (locked) return 423;
          locked = times.slice(0, i + 1).filter((t0) => t0 > at - 60_000).length >= 5;
          return 401;
        });
        assert.deepEqual(
          seen.known.map((r) => Number(r.slice(0, 3))),
          expected,
        );
      }),
      { numRuns: 6, examples: [[[1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000]]] },
    );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]?.toFixed(1);
    t.diagnostic(`login answer time, median of ${took.known.length}: known name ${median(took.known)} ms, unknown name ${median(took.unknown)} ms`);
  });

  it('an attacker locks only their own address: the administrator keeps working and unlocks with the server running', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    const attacker = '203.0.113.7';
    const admin = await loginAs(api, 'chief', 'administrator', { ip: '10.3.0.5' });
    clock.advance(1_000);
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await login(api, 'chief', `Guess#${i}aaaa`, attacker)).statusCode);
    assert.deepEqual(codes, [401, 401, 401, 401, 401, 423]);
    const mine = await api.app.inject({ url: '/v1/users', remoteAddress: '10.3.0.5', headers: admin });
    assert.equal(mine.statusCode, 200, 'the lock does not end the session of the administrator');
    const chief = mine.json<{ items: { name: string; lockedFrom: { ip: string }[] }[] }>().items.find((u) => u.name === 'chief');
    assert.deepEqual(
      chief?.lockedFrom.map((l) => l.ip),
      [attacker],
      'GET /v1/users shows where the name is locked from',
    );
    const again = await login(api, 'chief', TEST_PASSWORD, '10.3.0.5');
    assert.equal(again.statusCode, 200, 'nor a new login from their own address');
    assert.deepEqual(again.json<{ history: { lastFailure: unknown; failuresSince: number } }>().history.lastFailure, {
      at: new Date(NOW + 1_000).toISOString(),
      ip: attacker,
    });

    // the CLI writes to the store the running API reads, so its unlock holds at once. Here it runs in the test
    // process, which holds the chDB directory; as its own process it needs a ClickHouse server (chDB is opened by
    // one process at a time: in the embedded mode POST /v1/users/{name}/unlock is the running-server path).
    const out: string[] = [];
    const env = {
      LOG_LEVEL: 'silent',
      USER: 'opsadmin',
      CLICKHOUSE_DATABASE: ch.database,
      ...(ch.target.mode === 'server' ? { CLICKHOUSE_URL: ch.target.url } : { SENTINELA_DATA_DIR: ch.target.dataDir }),
    };
    const code = await runCli(['user', 'unlock', '--name', 'chief'], env, { stdout: (l) => out.push(l), stderr: (l) => out.push(l) });
    assert.deepEqual([code, out], [0, ['user chief unlocked']]);
    assert.equal((await login(api, 'chief', TEST_PASSWORD, attacker)).statusCode, 200, 'unlocked on the running server');
  });

  it('tells a user locked as a whole (EV09) only to whom gives the right password', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    await api.security.accounts.addUser({ name: 'dario', role: 'auditor', password: TEST_PASSWORD }, { actor: 'test', ip: '127.0.0.1' });
    await api.security.accounts.lock('dario', 'attempted to DELETE audit records (EV09)');
    const guess = await login(api, 'dario', 'Wrong#Pass1', '10.3.1.1');
    const unknown = await login(api, 'nobody-dario', 'Wrong#Pass1', '10.3.1.1');
    assert.deepEqual([guess.statusCode, guess.body], [unknown.statusCode, unknown.body]);
    const right = await login(api, 'dario', TEST_PASSWORD, '10.3.1.1');
    assert.deepEqual([right.statusCode, right.json<{ code: string }>().code], [423, 'ACCOUNT_LOCKED']);
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
