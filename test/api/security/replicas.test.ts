import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { after, before, describe, it } from 'node:test';
import { ClickHouseApiStore } from '../../../src/adapters/clickhouse/api-store.js';
import { parseConfig } from '../../../src/config/config.js';
import { composeApi } from '../../../src/main/api.js';
import { BARS_CACHE_MS } from '../../../src/security/guard.js';
import { SESSION_CACHE_MS } from '../../../src/security/sessions.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { migrated, NOW, testRules } from '../../processor/rig.js';
import { loginAs, securityWiring, testClock, testLog, TEST_PASSWORD } from '../rig.js';

/**
 * Two API replicas (two composition roots, as two `sentinela start --role api` processes wire them) over one
 * ClickHouse database: sessions, EV03 locks and EV14 bars made on one hold on the other. chDB binds one data
 * directory per process, so both replicas share this process's chDB, as two processes share a ClickHouse server.
 */
async function replica(t: TestContext, ch: TestClickHouse, clock: () => number, name: string) {
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
}
type Replica = Awaited<ReturnType<typeof replica>>;

const login = (api: Replica, user: string, password: string, ip: string) =>
  api.app.inject({ method: 'POST', url: '/v1/login', remoteAddress: ip, payload: { user, password } });
const tokenOf = async (api: Replica, user: string, ip: string) => {
  const res = await login(api, user, TEST_PASSWORD, ip);
  assert.equal(res.statusCode, 200, res.body);
  return `Bearer ${res.json<{ token: string }>().token}`;
};
const me = async (api: Replica, authorization: string, ip: string) => {
  const res = await api.app.inject({ url: '/v1/me', remoteAddress: ip, headers: { authorization } });
  return res.statusCode === 200 ? 'ok' : res.json<{ code: string }>().code;
};

describe('security state shared by API replicas (A7, EV03, EV14)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('a session opened on one replica works on the other, and a new login ends it on both (one session per user)', async (t) => {
    const clock = testClock(NOW);
    const [r1, r2] = [await replica(t, ch, clock, 'r1'), await replica(t, ch, clock, 'r2')];
    await r1.security.accounts.addUser({ name: 'sofia', role: 'operator', password: TEST_PASSWORD }, { actor: 'test', ip: '127.0.0.1' });
    const first = await tokenOf(r1, 'sofia', '10.5.0.1');
    assert.deepEqual([await me(r1, first, '10.5.0.1'), await me(r2, first, '10.5.0.1')], ['ok', 'ok'], 'logged in on r1, works on r2');

    clock.advance(1_000);
    const second = await tokenOf(r2, 'sofia', '10.5.0.2');
    assert.equal(await me(r2, first, '10.5.0.1'), 'AUTH_REQUIRED', 'the replica that took the new login refuses the old token at once');
    // r1 read the first session 1 s ago: it trusts that read for SESSION_CACHE_MS, then reads the end
    clock.advance(SESSION_CACHE_MS - 1_000);
    assert.equal(await me(r1, first, '10.5.0.1'), 'ok', `within ${SESSION_CACHE_MS} ms of its last read, r1 has not seen the end yet`);
    clock.advance(1);
    assert.equal(await me(r1, first, '10.5.0.1'), 'AUTH_REQUIRED', 'past the cache bound, r1 refuses it too');
    assert.deepEqual([await me(r1, second, '10.5.0.2'), await me(r2, second, '10.5.0.2')], ['ok', 'ok']);

    // logout on r1 ends it on r2; a token replayed from another address on r2 ends it on r1
    await r1.app.inject({ method: 'POST', url: '/v1/logout', remoteAddress: '10.5.0.2', headers: { authorization: second } });
    clock.advance(SESSION_CACHE_MS + 1);
    assert.equal(await me(r2, second, '10.5.0.2'), 'AUTH_REQUIRED');
    const third = await tokenOf(r1, 'sofia', '10.5.0.3');
    assert.equal(await me(r2, third, '10.5.0.66'), 'SESSION_ENDED');
    clock.advance(SESSION_CACHE_MS + 1);
    assert.equal(await me(r1, third, '10.5.0.3'), 'AUTH_REQUIRED');
  });

  it('answers a session check from memory between store reads (figures printed)', async (t) => {
    const clock = testClock(NOW);
    const [r1, r2] = [await replica(t, ch, clock, 'r1'), await replica(t, ch, clock, 'r2')];
    const auth = await loginAs(r1, 'vera', 'auditor', { ip: '10.9.0.1' });
    const timed = async (advance: number) => {
      clock.advance(advance);
      const started = performance.now();
      assert.equal(await me(r2, auth.authorization, '10.9.0.1'), 'ok');
      return performance.now() - started;
    };
    const read: number[] = [];
    const memory: number[] = [];
    for (let i = 0; i < 5; i++) {
      read.push(await timed(SESSION_CACHE_MS + 1)); // past the bound: reads the session and the bars
      for (let j = 0; j < 5; j++) memory.push(await timed(0));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]?.toFixed(2);
    t.diagnostic(`GET /v1/me on replica 2: median ${median(read)} ms with a store read, ${median(memory)} ms from memory`);
  });

  it('two logins racing on two replicas leave one session, on both', async (t) => {
    const clock = testClock(NOW);
    const [r1, r2] = [await replica(t, ch, clock, 'r1'), await replica(t, ch, clock, 'r2')];
    await r1.security.accounts.addUser({ name: 'tiago', role: 'operator', password: TEST_PASSWORD }, { actor: 'test', ip: '127.0.0.1' });
    const [a, b] = await Promise.all([tokenOf(r1, 'tiago', '10.6.0.1'), tokenOf(r2, 'tiago', '10.6.0.1')]);
    clock.advance(SESSION_CACHE_MS + 1);
    const states = [await me(r1, a, '10.6.0.1'), await me(r2, a, '10.6.0.1'), await me(r1, b, '10.6.0.1'), await me(r2, b, '10.6.0.1')];
    assert.equal(states.filter((s) => s === 'ok').length, 2, `exactly one token works, on both replicas: ${states.join(' ')}`);
    assert.equal(states[0], states[1]);
    assert.equal(states[2], states[3]);
  });

  it('EV03 failures count across replicas, and a lock made on one holds on the other until an unlock on either', async (t) => {
    const clock = testClock(NOW);
    const [r1, r2] = [await replica(t, ch, clock, 'r1'), await replica(t, ch, clock, 'r2')];
    await r1.security.accounts.addUser({ name: 'ursula', role: 'auditor', password: TEST_PASSWORD }, { actor: 'test', ip: '127.0.0.1' });
    const attacker = '203.0.113.9';
    const codes: string[] = [];
    for (const r of [r1, r2, r1, r2, r1, r2, r1]) {
      clock.advance(5_000);
      codes.push((await login(r, 'ursula', 'Wrong#Pass1', attacker)).json<{ code: string }>().code);
    }
    assert.deepEqual(codes, ['AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED', 'ACCOUNT_LOCKED', 'ACCOUNT_LOCKED']);
    const right = await login(r2, 'ursula', TEST_PASSWORD, attacker);
    assert.deepEqual([right.statusCode, right.json<{ code: string }>().code], [423, 'ACCOUNT_LOCKED'], 'locked from that address on both');
    assert.equal((await login(r1, 'ursula', TEST_PASSWORD, '10.7.0.1')).statusCode, 200, 'the lock does not reach her own address');

    const admin = await loginAs(r2, 'replica-admin', 'administrator', { ip: '10.7.0.9' });
    const unlocked = await r2.app.inject({ method: 'POST', url: '/v1/users/ursula/unlock', remoteAddress: '10.7.0.9', headers: admin });
    assert.equal(unlocked.statusCode, 200, unlocked.body);
    assert.equal((await login(r1, 'ursula', TEST_PASSWORD, attacker)).statusCode, 200, 'an unlock on r2 holds on r1 at once (locks are not cached)');
  });

  it('an EV14 bar made on one replica holds on the other, and denials count across replicas', async (t) => {
    const clock = testClock(NOW);
    const [r1, r2] = [await replica(t, ch, clock, 'r1'), await replica(t, ch, clock, 'r2')];
    const ip = '10.8.0.1';
    const auth = await loginAs(r1, 'nosy-auditor', 'auditor', { ip });
    const denied = (r: Replica) =>
      r.app.inject({ method: 'POST', url: '/v1/users', remoteAddress: ip, headers: auth, payload: { name: 'x1', role: 'user', password: 'x' } });
    assert.equal(await me(r2, auth.authorization, ip), 'ok', 'r2 reads its bars now, before the bar exists');
    const codes: string[] = [];
    for (const r of [r1, r2, r1]) {
      clock.advance(30_000);
      codes.push((await denied(r)).json<{ code: string }>().code);
    }
    assert.deepEqual(codes, ['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'], 'the third denial, on r1, counts the one on r2');
    clock.advance(BARS_CACHE_MS + 1);
    const fresh = await loginAs(r2, 'nosy-auditor', 'auditor', { ip: '10.8.0.2' });
    const read = await r2.app.inject({ url: '/v1/alerts', remoteAddress: '10.8.0.2', headers: fresh });
    assert.deepEqual([read.statusCode, read.json<{ code: string }>().code], [403, 'ACCESS_BARRED'], 'the user is barred on r2');
    const fromIp = await r2.app.inject({ url: '/v1/alerts', remoteAddress: ip, headers: await loginAs(r2, 'other-reader', 'auditor', { ip }) });
    assert.deepEqual([fromIp.statusCode, fromIp.json<{ code: string }>().code], [403, 'ACCESS_BARRED'], 'the address is barred on r2');
    clock.advance(5 * 60_000);
    const later = await r2.app.inject({ url: '/v1/alerts', remoteAddress: ip, headers: await loginAs(r2, 'nosy-auditor', 'auditor', { ip }) });
    assert.equal(later.statusCode, 200, 'the bar lapses after 5 min on every replica');
  });
});
