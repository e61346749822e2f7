import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { migrated } from '../processor/rig.js';
import { embeddedApi, loginAs, testClock } from './rig.js';

// the rollups' TTL counts from the wall clock: the test's time is the current hour (its minutes stay in the minute rollup)
const HOUR = 3_600_000;
const NOW = Math.floor(Date.now() / HOUR) * HOUR + 30 * 60_000;
const at = (ms: number) => new Date(ms).toISOString();

interface Point {
  t: string;
  [k: string]: unknown;
}

/** The NOC charts over HTTP: the contract the console reads (issue 17). */
describe('GET /v1/stats/* (embedded: chDB)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('answers each chart in the agreed shape, minute by minute up to 6 h, hour by hour up to 14 days, else day by day', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    const auth = await loginAs(api, 'noc-reviewer', 'reviewer');
    const admin = await loginAs(api, 'noc-admin', 'administrator');
    const cdrs = [0, 1, 2, 3].map((i) => ({
      id: `stats-${i}`,
      tenant: i < 3 ? 'acme' : 'globex',
      account: i < 2 ? 'vendas' : 'suporte',
      caller: `+55113000100${i}`,
      callee: i % 2 === 0 ? '+442079460000' : '+551130002000',
      startedAt: at(NOW - 20 * 60_000 + i * 60_000),
      answeredAt: at(NOW - 20 * 60_000 + i * 60_000),
      endedAt: at(NOW - 19 * 60_000 + i * 60_000),
      durationSec: 60,
      billSec: 60,
      disposition: 'ANSWERED',
      cost: 1.5,
    }));
    const ingest = await api.app.inject({
      method: 'POST',
      url: '/v1/cdrs',
      headers: { ...admin, 'content-type': 'application/x-ndjson' },
      payload: cdrs.map((c) => JSON.stringify(c)).join('\n'),
    });
    assert.equal(ingest.statusCode, 200, ingest.body);
    for (const tenant of ['acme', 'acme', 'globex']) {
      const check = await api.app.inject({ url: `/v1/block-check?tenant=${tenant}&account=vendas&caller=%2B551130001000&callee=%2B551130002000` });
      assert.equal(check.statusCode, 200, check.body);
    }
    api.service.shed({ tenant: 'acme' }, clock()); // as load shedding answers, before authentication
    clock.advance(60_000);
    await api.writeDecisions(); // settles once the tallies are stored: read at once, no polling
    const decisions = async (tenant = '') =>
      (await api.app.inject({ url: `/v1/stats/decisions?from=${at(NOW - HOUR)}&to=${at(NOW + HOUR)}${tenant}`, headers: auth })).json<{ points: Point[] }>()
        .points;
    assert.deepEqual(await decisions('&tenant=acme'), [{ t: at(NOW), allow: 2, block: 0, failOpen: 0, failClosed: 0, shed: 0 }]);
    assert.deepEqual(await decisions(), [{ t: at(NOW), allow: 3, block: 0, failOpen: 0, failClosed: 0, shed: 1 }], 'shed answers: in the all-tenants chart');

    const get = async (path: string, from: number, to: number, more = '') => {
      const res = await api.app.inject({ url: `/v1/stats/${path}?from=${at(from)}&to=${at(to)}${more}`, headers: auth });
      assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
      return res.json<{ step?: string; points?: Point[]; rules?: unknown[]; accounts?: unknown[] }>();
    };
    const hour = await get('traffic', NOW - HOUR, NOW + HOUR);
    assert.equal(hour.step, 'minute');
    assert.deepEqual(
      hour.points?.map((p) => [p.t, p['calls'], p['answered'], p['billedMinutes'], p['cost']]),
      [0, 1, 2, 3].map((i) => [at(NOW - 20 * 60_000 + i * 60_000), 1, 1, 1, 1.5]),
    );
    const day = await get('traffic', NOW - 24 * HOUR, NOW + HOUR, '&tenant=acme&by=country');
    assert.equal(day.step, 'hour');
    assert.deepEqual(
      day.points?.map((p) => [p.t, p['country'], p['calls']]),
      [
        [at(NOW - 30 * 60_000), 'BR', 1],
        [at(NOW - 30 * 60_000), 'GB', 2],
      ],
    );
    assert.equal((await get('traffic', NOW - 14 * 24 * HOUR, NOW)).step, 'hour', 'up to 14 days hour by hour');
    const month = await get('traffic', NOW - 30 * 24 * HOUR, NOW + HOUR);
    assert.equal(month.step, 'day', 'beyond 14 days day by day');
    const today = NOW - 20 * 60_000 - ((NOW - 20 * 60_000) % (24 * HOUR));
    assert.deepEqual(
      month.points?.map((p) => [p.t, p['calls'], p['cost']]),
      [[at(today), 4, 6]],
    );
    const top = await get('top-accounts', NOW - 24 * HOUR, NOW + HOUR, '&limit=2');
    assert.deepEqual(top.accounts, [
      { tenant: 'acme', account: 'vendas', calls: 2, cost: 3 },
      { tenant: 'acme', account: 'suporte', calls: 1, cost: 1.5 },
    ]);

    const alerts = await get('alerts', NOW - HOUR, NOW + HOUR);
    assert.equal(alerts.step, 'minute');
    assert.ok(Array.isArray(alerts.points));
    const rules = (await get('rules', NOW - HOUR, NOW + HOUR)).rules as { alerts: number }[];
    const alertCount = (alerts.points ?? []).reduce((n, p) => n + Number(p['alerts']), 0);
    assert.equal(
      rules.reduce((n, r) => n + r.alerts, 0),
      alertCount,
    );

    const backwards = await api.app.inject({ url: `/v1/stats/traffic?from=${at(NOW)}&to=${at(NOW - HOUR)}`, headers: auth });
    assert.deepEqual([backwards.statusCode, backwards.json<{ code: string }>().code], [400, 'REQUEST_INVALID']);
    const user = await loginAs(api, 'noc-user', 'user', { tenant: 'acme', extensions: ['1000'], ip: '10.3.0.1' });
    const denied = await api.app.inject({ url: `/v1/stats/traffic?from=${at(NOW - HOUR)}&to=${at(NOW)}`, headers: user, remoteAddress: '10.3.0.1' });
    assert.equal(denied.statusCode, 403, 'per-account aggregates are not narrowed to a user’s extensions');
  });
});
