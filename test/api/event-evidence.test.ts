import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { migrated, NOW } from '../processor/rig.js';
import { embeddedApi, loginAs, testClock } from './rig.js';

type Api = Awaited<ReturnType<typeof embeddedApi>>;
const IP = '203.0.113.77';
const LONG_RAW = `[Mar  2 17:59:10] SECURITY[4242] res_security_log.c: SecurityEvent="ChallengeResponseFailed" ${'x'.repeat(400)}`;
/** Five wrong passwords from one IP within a minute (EV01), each for its own extension, the first with a long PBX line. */
const attack = [50, 40, 30, 20, 10].map((s, i) => ({
  at: new Date(NOW - s * 1000).toISOString(),
  tenant: 'acme',
  type: 'auth-failed',
  srcIp: IP,
  srcPort: 5060 + i,
  transport: 'udp',
  user: `100${i + 1}`,
  userAgent: 'Zoiper rv2.10',
  method: 'REGISTER',
  callId: `guess-${i}@attacker`,
  reporter: 'pbx-sp-1',
  raw: i === 0 ? LONG_RAW : `auth failed for sip:100${i + 1}@pbx from ${IP}`,
}));
const elsewhere = { ...attack[0], srcIp: '198.51.100.40', callId: 'other@host', at: new Date(NOW - 5_000).toISOString() };

interface EventJson {
  at: string;
  type: string;
  srcIp: string;
  srcPort: number | null;
  transport: string;
  user: string;
  userAgent: string;
  method: string;
  callId: string;
  reporter: string;
  raw: string;
  count: number;
}
interface AlertDetail {
  rule: string;
  evidence: string[];
  evidenceKind: string;
  evidenceCdrs: unknown[];
  evidenceEvents: EventJson[];
  details: { user?: string };
}

async function signallingAlert(api: Api): Promise<string> {
  const op = await loginAs(api, 'noc-ops', 'operator');
  const body = [...attack, elsewhere].map((e) => JSON.stringify(e)).join('\n');
  const res = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...op, 'content-type': 'application/x-ndjson' }, payload: body });
  assert.equal(res.statusCode, 200, res.body);
  const found = await api.app.inject({ url: '/v1/alerts?rule=registration-failures-ip', headers: op });
  const id = found.json<{ items: { id: string; subject: string }[] }>().items.find((a) => a.subject === `ip:${IP}`)?.id;
  assert.ok(id, `EV01 alerted on the IP: ${found.body}`);
  return id;
}

describe('the evidence of a signalling alert: its security events (issue 18, chDB)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('shows who reads CDRs the events that made an IP alert, oldest first, a long PBX line cut; a reviewer their ids only', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const id = await signallingAlert(api);
    const op = await loginAs(api, 'noc-ops', 'operator');
    const detail = (await api.app.inject({ url: `/v1/alerts/${id}`, headers: op })).json<AlertDetail>();
    assert.deepEqual([detail.evidenceKind, detail.evidence.length, detail.evidenceCdrs], ['events', 5, []]);
    const [first, ...rest] = detail.evidenceEvents;
    assert.deepEqual(
      { ...first, raw: first?.raw.length },
      {
        ...{ at: attack[0]?.at, type: 'auth-failed', srcIp: IP, srcPort: 5060, transport: 'udp', user: '1001', userAgent: 'Zoiper rv2.10' },
        ...{ method: 'REGISTER', callId: 'guess-0@attacker', reporter: 'pbx-sp-1', raw: 301, count: 1, id: detail.evidence[0], tenant: 'acme' },
      },
    );
    assert.ok(first?.raw.endsWith('…') && LONG_RAW.startsWith(first.raw.slice(0, 300)), 'cut to 300 characters, the cut marked');
    assert.deepEqual(
      rest.map((e) => [e.user, e.raw]),
      attack.slice(1).map((e) => [e.user, e.raw]),
    );

    const reviewer = await loginAs(api, 'rita', 'reviewer');
    const seen = (await api.app.inject({ url: `/v1/alerts/${id}`, headers: reviewer })).json<AlertDetail>();
    assert.deepEqual([seen.evidenceKind, seen.evidence, seen.evidenceEvents], ['events', detail.evidence, []]);
  });

  it("lists an IP's events newest first, page by page; a user sees their extensions' only; a reviewer none", async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    await signallingAlert(api);
    const op = await loginAs(api, 'noc-ops', 'operator');
    const list = async (query: string, headers = op) => api.app.inject({ url: `/v1/events?${query}`, headers });
    const page = (await list(`tenant=acme&ip=${IP}&limit=2`)).json<{ items: EventJson[]; total: number }>();
    assert.deepEqual([page.total, page.items.map((e) => e.callId)], [5, ['guess-4@attacker', 'guess-3@attacker']]);
    const next = (await list(`tenant=acme&ip=${IP}&limit=2&offset=2`)).json<{ items: EventJson[] }>();
    assert.deepEqual(
      next.items.map((e) => e.callId),
      ['guess-2@attacker', 'guess-1@attacker'],
    );
    const since = encodeURIComponent(new Date(NOW - 25_000).toISOString());
    assert.equal((await list(`tenant=acme&ip=${IP}&since=${since}`)).json<{ total: number }>().total, 2);
    assert.equal((await list('tenant=globex')).json<{ total: number }>().total, 0);
    const missing = await list(`ip=${IP}`);
    assert.deepEqual([missing.statusCode, missing.json<{ code: string; path: string }>().path], [400, 'tenant']);

    const user = await loginAs(api, 'ext-1003', 'user', { tenant: 'acme', extensions: ['1003'] });
    const own = (await list(`tenant=globex&ip=${IP}`, user)).json<{ items: EventJson[] }>();
    assert.deepEqual(
      own.items.map((e) => [e.user, e.srcIp]),
      [['1003', IP]],
    );
    const reviewer = await loginAs(api, 'rita', 'reviewer');
    assert.equal((await list(`tenant=acme&ip=${IP}`, reviewer)).statusCode, 403);
  });

  it('masks the SIP user like a caller number (A13), in the event, its line and the alert, when anonymity is on', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), env: { SENTINELA_MASK_CALLERS: 'true' } });
    const id = await signallingAlert(api);
    const op = await loginAs(api, 'noc-ops', 'operator');
    const detail = (await api.app.inject({ url: `/v1/alerts/${id}`, headers: op })).json<AlertDetail>();
    assert.deepEqual(
      detail.evidenceEvents.slice(1).map((e) => [e.user, e.raw]),
      [2, 3, 4, 5].map((n) => [`**0${n}`, `auth failed for sip:**0${n}@pbx from ${IP}`]),
    );
    assert.equal(detail.details.user, '**05', 'the alert names the last failing user');
    const listed = (await api.app.inject({ url: `/v1/events?tenant=acme&ip=${IP}&limit=1`, headers: op })).json<{ items: EventJson[] }>();
    assert.deepEqual(
      listed.items.map((e) => e.user),
      ['**05'],
    );
  });
});
