import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verify } from '../../../src/push/signature.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { cdr, migrated, NOW, waitFor } from '../../processor/rig.js';
import { embeddedApi, loginAs, receiver, testClock, TEST_PASSWORD } from '../rig.js';

const SECRET = 'alarm-secret-for-tests-0123';
interface AuditPage {
  notice: string;
  total: number;
  items: { chain: string; seq: number; actor: string; eventType: string; result: string; sourceIp: string; details: string; intact: boolean }[];
  integrity: { ok: boolean; chains: { chain: string; ok: boolean; problem?: { kind: string; seq: number } }[] };
}

describe('tamper-evident, searchable, bounded audit trail (A2-A6, EV08, EV09, A1)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('searches any substring, sorts by every column, pages, and shows the confidentiality notice (A2, A3, EV09)', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const auditor = await loginAs(api, 'gil', 'auditor');
    const admin = await loginAs(api, 'hana', 'administrator');
    await api.app.inject({
      method: 'POST',
      url: '/v1/blocks',
      headers: admin,
      payload: { tenant: 'acme', kind: 'ip', value: '198.51.100.77', duration: '1h', reason: 'SIP scanner from Quebec' },
    });
    const search = (q: string) => api.app.inject({ url: `/v1/audit?${q}`, headers: auditor });
    const found = (await search('q=quebec&eventType=block.manual')).json<AuditPage>();
    assert.equal(found.total, 1);
    const record = found.items[0];
    assert.deepEqual(
      [record?.actor, record?.eventType, record?.result, record?.sourceIp, record?.intact],
      ['hana', 'block.manual', 'success', '127.0.0.1', true],
      'A2: who, what, result, where',
    );
    assert.match(found.notice, /CONFIDENTIAL/);
    for (const sort of ['at', 'chain', 'seq', 'actor', 'event_type', 'result', 'source_ip', 'details']) {
      for (const order of ['asc', 'desc']) {
        const page = (await search(`sort=${sort}&order=${order}&limit=200`)).json<AuditPage>();
        const key = { event_type: 'eventType', source_ip: 'sourceIp' }[sort] ?? sort;
        const values = page.items.map((i) => (i as unknown as Record<string, string | number>)[key === 'at' ? 'seq' : key] ?? '');
        if (sort !== 'at' && sort !== 'seq')
          assert.deepEqual(
            values,
            [...values].sort((a, b) => (order === 'asc' ? 1 : -1) * (a < b ? -1 : a > b ? 1 : 0)),
            `${sort} ${order}`,
          );
        assert.ok(page.total >= 5, 'the setup wrote users, logins, the block, reads');
      }
    }
    const p1 = (await search('sort=seq&order=asc&limit=2&offset=0')).json<AuditPage>();
    const p2 = (await search('sort=seq&order=asc&limit=2&offset=2')).json<AuditPage>();
    assert.equal(new Set([...p1.items, ...p2.items].map((i) => `${i.chain}/${i.seq}`)).size, 4, 'pages do not overlap');
    const reads = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.audit_log WHERE event_type = 'audit.read' AND actor = 'gil'`);
    assert.ok(Number(reads[0]?.n) >= 19, 'every read of the audit trail is itself audited (EV09)');
    assert.equal(
      (await search('eventType=block.manual&q=%27%3B%20DROP%20TABLE%20audit_log%3B--')).json<AuditPage>().total,
      0,
      'a hostile substring is only a substring',
    );
  });

  it('detects a modified and a deleted record, reports the position and raises a signed alarm (A5, A1)', async (t) => {
    const hook = await receiver(t);
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), env: { SENTINELA_ALARM_WEBHOOK_URL: hook.url, SENTINELA_ALARM_WEBHOOK_SECRET: SECRET } });
    const admin = await loginAs(api, 'ivo', 'administrator');
    for (let i = 0; i < 5; i++)
      await api.app.inject({
        method: 'POST',
        url: '/v1/blocks',
        headers: admin,
        payload: { tenant: 'acme', kind: 'ip', value: `198.51.100.${i}`, duration: '1h', reason: `tamper test ${i}` },
      });
    const loaded = await ch.rows<{ details: string }>(
      `SELECT details FROM ${ch.database}.audit_log WHERE event_type = 'config.loaded' AND position(details, {url:String}) > 0`,
      { url: hook.url },
    );
    assert.equal(loaded.length, 1);
    assert.ok(
      !loaded[0]?.details.includes(SECRET) && loaded[0]?.details.includes('"secret":"(set)"'),
      `EV04: the configuration is recorded, its secrets only as set: ${loaded[0]?.details}`,
    );
    const verifyNow = async () => (await api.app.inject({ method: 'POST', url: '/v1/audit/verify', headers: admin })).json<AuditPage['integrity']>();
    assert.equal((await verifyNow()).ok, true);

    const [victim] = await ch.rows<{ chain: string; seq: string }>(`SELECT chain, seq FROM ${ch.database}.audit_log WHERE details LIKE '%tamper test 2%'`);
    await ch.client.command({
      query: `ALTER TABLE ${ch.database}.audit_log UPDATE actor = 'someone-else' WHERE chain = {c:String} AND seq = {s:UInt64} SETTINGS mutations_sync = 1`,
      query_params: { c: victim?.chain, s: victim?.seq },
    });
    const broken = (await verifyNow()).chains.find((c) => c.chain === victim?.chain);
    assert.deepEqual([broken?.ok, broken?.problem?.kind, broken?.problem?.seq], [false, 'modified', Number(victim?.seq)]);
    const read = await api.app.inject({ url: '/v1/audit?q=tamper%20test%202', headers: admin });
    assert.equal(read.statusCode, 200, read.body);
    const listed = read.json<AuditPage>();
    assert.deepEqual([listed.items[0]?.intact, listed.integrity.ok], [false, false], 'reads flag the altered record');

    await waitFor(() => hook.received.some((r) => r.body.includes('audit trail tampered')), 'alarm webhook');
    const alarm = hook.received.find((r) => r.body.includes('audit trail tampered'));
    assert.deepEqual(
      verify(
        SECRET,
        { signature: String(alarm?.headers['x-sentinela-signature']), timestamp: String(alarm?.headers['x-sentinela-timestamp']) },
        alarm?.body ?? '',
        Math.floor(NOW / 1000),
      ),
      { ok: true },
    );
    const [integrityRecord] = await ch.rows<{ n: string }>(
      `SELECT count() AS n FROM ${ch.database}.audit_log WHERE event_type = 'audit.integrity' AND result = 'failure'`,
    );
    assert.ok(Number(integrityRecord?.n) >= 1, 'the break is itself audited');

    // a second instance, a deleted record
    const other = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const otherAdmin = await loginAs(other, 'jade', 'administrator');
    for (let i = 0; i < 4; i++)
      await other.app.inject({
        method: 'POST',
        url: '/v1/blocks',
        headers: otherAdmin,
        payload: { tenant: 'acme', kind: 'ip', value: `198.51.101.${i}`, duration: '1h', reason: `delete test ${i}` },
      });
    const [gone] = await ch.rows<{ chain: string; seq: string }>(`SELECT chain, seq FROM ${ch.database}.audit_log WHERE details LIKE '%delete test 1%'`);
    await ch.client.command({
      query: `DELETE FROM ${ch.database}.audit_log WHERE chain = {c:String} AND seq = {s:UInt64}`,
      query_params: { c: gone?.chain, s: gone?.seq },
    });
    const report = (await other.security.audit.verify()).chains.find((c) => c.chain === gone?.chain);
    assert.deepEqual([report?.problem?.kind, report?.problem?.seq], ['deleted', Number(gone?.seq)]);
  });

  it('notifies administrators of critical alerts through the signed webhook, once per subject (A1)', async (t) => {
    const hook = await receiver(t);
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), env: { SENTINELA_ALARM_WEBHOOK_URL: hook.url, SENTINELA_ALARM_WEBHOOK_SECRET: SECRET } });
    const admin = await loginAs(api, 'alarm-admin', 'administrator');
    const premium = (i: number) => cdr(`alarm-${i}`, new Date(NOW - 60_000 + i * 1000).toISOString(), { caller: '+551130001212', callee: '+882345678901' });
    const post = (from: number) =>
      api.app.inject({
        method: 'POST',
        url: '/v1/cdrs',
        headers: { ...admin, 'content-type': 'application/x-ndjson' },
        payload: [0, 1].map((i) => JSON.stringify(premium(from + i))).join('\n'),
      });
    const summary = (await post(0)).json<{ verdicts: { kind: string; severity: string; rule: string }[] }>();
    const critical = summary.verdicts.filter((v) => v.kind === 'alert' && v.severity === 'critical');
    assert.ok(critical.length > 0, `a premium/IRSF destination is critical: ${JSON.stringify(summary.verdicts)}`);
    await post(10);
    await waitFor(() => hook.received.some((r) => r.body.includes('critical alert')), 'alert alarm');
    await new Promise((r) => setTimeout(r, 300));
    const alarms = hook.received.filter((r) => r.body.includes('critical alert'));
    assert.equal(alarms.length, new Set(critical.map((c) => c.rule)).size, 'one alarm per rule and subject, repeats deduplicated');
    assert.equal((JSON.parse(alarms[0]?.body ?? '{}') as { kind: string }).kind, 'alert');
  });

  it('switches event types off and on, audited; mandatory types stay on (A4)', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const admin = await loginAs(api, 'kai', 'administrator');
    const put = (type: string, enabled: boolean) => api.app.inject({ method: 'PUT', url: `/v1/audit/switches/${type}`, headers: admin, payload: { enabled } });
    assert.equal((await put('block.manual', false)).statusCode, 200);
    const block = (reason: string) =>
      api.app.inject({
        method: 'POST',
        url: '/v1/blocks',
        headers: admin,
        payload: { tenant: 'acme', kind: 'ip', value: '192.0.2.50', duration: '1h', reason },
      });
    await block('while switched off');
    assert.equal((await put('block.manual', true)).statusCode, 200);
    await block('switched on again');
    const rows = await ch.rows<{ details: string }>(`SELECT details FROM ${ch.database}.audit_log WHERE event_type = 'block.manual' AND actor = 'kai'`);
    assert.deepEqual(
      rows.map((r) => (JSON.parse(r.details) as { reason: string }).reason),
      ['switched on again'],
    );
    const switches = await ch.rows<{ to: string }>(
      `SELECT JSONExtractString(details, 'eventType') AS type, JSONExtractBool(details, 'to') AS to FROM ${ch.database}.audit_log WHERE event_type = 'audit.switch' AND actor = 'kai' ORDER BY seq`,
    );
    assert.deepEqual(
      switches.map((s) => Boolean(s.to)),
      [false, true],
    );
    const refused = await put('audit.read', false);
    assert.deepEqual([refused.statusCode, refused.json<{ code: string }>().code], [409, 'CONFLICT']);
    assert.equal((await put('no.such.event', false)).statusCode, 404);
  });

  it('keeps the trail inside its quota, verifiable across the cut, with an alarm at 90 % (A6, EV08)', async (t) => {
    const hook = await receiver(t);
    const quotaDb = await createTestDatabase();
    t.after(() => quotaDb.drop());
    await migrated(quotaDb);
    const api = await embeddedApi(t, quotaDb, {
      clock: testClock(NOW),
      env: { SENTINELA_AUDIT_QUOTA: '100', SENTINELA_ALARM_WEBHOOK_URL: hook.url, SENTINELA_ALARM_WEBHOOK_SECRET: SECRET },
    });
    for (let i = 0; i < 89; i++) await api.security.audit.record({ type: 'cli.command', actor: 'os:test', ip: 'local', result: 'success', details: { i } });
    await api.security.audit.enforceQuota();
    assert.equal(hook.received.length, 0, 'below 90 %: no alarm');
    for (let i = 0; i < 60; i++)
      await api.security.audit.record({ type: 'cli.command', actor: 'os:test', ip: 'local', result: 'success', details: { i: 100 + i } });
    const { count, cut } = await api.security.audit.enforceQuota();
    assert.ok(cut > 0 && count <= 100, `cut ${cut}, left ${count}`);
    const [left] = await quotaDb.rows<{ n: string; oldest: string }>(
      `SELECT count() AS n, min(JSONExtractInt(details, 'i')) AS oldest FROM ${quotaDb.database}.audit_log WHERE event_type = 'cli.command'`,
    );
    assert.ok(Number(left?.oldest) > 0, 'the oldest records went first');
    assert.equal((await api.security.audit.verify()).ok, true, 'the chain verifies across the cut');
    await waitFor(() => hook.received.some((r) => r.body.includes('of its quota')), '90 % alarm');
  });

  it('refuses any change to audit records, ends the session and blocks new logins (EV09)', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const admin = await loginAs(api, 'lia', 'administrator');
    const res = await api.app.inject({ method: 'DELETE', url: '/v1/audit/1', headers: admin });
    assert.deepEqual([res.statusCode, res.json<{ code: string }>().code], [405, 'METHOD_NOT_ALLOWED']);
    assert.match(res.json<{ message: string }>().message, /CONFIDENTIAL.*session has ended/);
    assert.equal((await api.app.inject({ url: '/v1/me', headers: admin })).statusCode, 401, 'logged out');
    const again = await api.app.inject({ method: 'POST', url: '/v1/login', payload: { user: 'lia', password: TEST_PASSWORD } });
    assert.equal(again.statusCode, 423, 'new logins blocked until another administrator unlocks');
    const [attempt] = await ch.rows<{ n: string }>(
      `SELECT count() AS n FROM ${ch.database}.audit_log WHERE event_type = 'audit.tamper_attempt' AND actor = 'lia'`,
    );
    assert.equal(Number(attempt?.n), 1);
  });
});
