import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verify } from '../../src/push/signature.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { cdr, migrated, NOW, waitFor } from '../processor/rig.js';
import { embeddedApi, loginAs, receiver, testClock } from './rig.js';

const CHECK = '/v1/block-check?tenant=acme&account=sales&callee=%2B551140002000';
const ndjson = (lines: readonly unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
const burst = (caller: string, ip: string) =>
  [0, 10, 20, 30, 40].map((s, i) =>
    cdr(`${caller}-${i}`, new Date(NOW - 120_000 + s * 1000).toISOString(), { caller, srcIp: ip, callee: `+55114000${3000 + i * 37}` }),
  );

describe('PBX-facing API, embedded mode (chDB)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('turns CDRs posted to /v1/cdrs into a block the block-check answers with; bad lines are dead-lettered (EV06)', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const body = ndjson([...burst('+551130005555', '203.0.113.50'), '{"id": broken', { id: 'x' }]);
    const res = await api.app.inject({ method: 'POST', url: '/v1/cdrs', headers: { ...op, 'content-type': 'application/x-ndjson' }, payload: body });
    assert.equal(res.statusCode, 200);
    const summary = res.json<{ received: number; accepted: number; rejected: { line: number; code: string }[] }>();
    assert.deepEqual(
      [summary.received, summary.accepted, summary.rejected.map((r) => [r.line, r.code])],
      [
        7,
        5,
        [
          [6, 'CDR_NOT_JSON'],
          [7, 'CDR_INVALID'],
        ],
      ],
    );
    const rejected = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${ch.database}.rejected_cdrs WHERE source_kind = 'http'`);
    assert.equal(Number(rejected[0]?.n), 2);

    const check = await api.app.inject({ url: `${CHECK}&caller=%2B551130005555` });
    const answer = check.json<{ action: string; policy: string; reasons: { rule: string; subject: string; expiresAt: string }[] }>();
    assert.equal(answer.action, 'block');
    assert.equal(answer.policy, 'normal');
    assert.ok(
      answer.reasons.some((r) => r.rule === 'velocity-caller' && r.subject === 'caller:+551130005555'),
      JSON.stringify(answer),
    );
    // the same block stops a call from that caller's IP too; another caller elsewhere is allowed
    assert.equal((await api.app.inject({ url: `${CHECK}&caller=%2B551130001111&ip=203.0.113.50` })).json<{ action: string }>().action, 'block');
    const other = await api.app.inject({ url: `${CHECK}&caller=%2B551130001111&ip=198.51.100.1` });
    assert.equal(other.json<{ action: string }>().action, 'allow', other.body);

    // expiry: 5 minutes after the burst (EV06: block for 5 min) the caller may call again
    clock.set(NOW + 10 * 60_000);
    assert.equal((await api.app.inject({ url: `${CHECK}&caller=%2B551130005555&ip=198.51.100.2` })).json<{ action: string }>().action, 'allow');
  });

  it('blocks and unblocks by hand, audited, and answers 404/409 for unknown or lifted blocks', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const made = await api.app.inject({
      method: 'POST',
      url: '/v1/blocks',
      headers: await loginAs(api, 'noc-ana', 'operator'),
      payload: { tenant: 'acme', kind: 'caller', value: '(11) 3000-7777', duration: '2h', reason: 'customer reported fraud' },
    });
    assert.equal(made.statusCode, 201);
    const block = made.json<{ id: string; subject: string; source: string; expiresAt: string }>();
    assert.deepEqual([block.subject, block.source, block.expiresAt], ['caller:+551130007777', 'manual', new Date(NOW + 7_200_000).toISOString()]);
    assert.equal((await api.app.inject({ url: `${CHECK}&caller=1130007777` })).json<{ action: string }>().action, 'block');

    const listed = await api.app.inject({ headers: op, url: '/v1/blocks?tenant=acme&subject=7777' });
    assert.deepEqual(
      listed.json<{ items: { id: string }[] }>().items.map((b) => b.id),
      [block.id],
    );

    const noReason = await api.app.inject({ headers: op, method: 'POST', url: `/v1/blocks/${block.id}/unblock`, payload: {} });
    assert.equal(noReason.statusCode, 400);
    const lifted = await api.app.inject({
      method: 'POST',
      url: `/v1/blocks/${block.id}/unblock`,
      headers: await loginAs(api, 'noc-bia', 'operator'),
      payload: { reason: 'false alarm, customer confirmed' },
    });
    assert.equal(lifted.statusCode, 200);
    assert.deepEqual([lifted.json<{ state: string; liftedBy: string }>().state, lifted.json<{ liftedBy: string }>().liftedBy], ['lifted', 'noc-bia']);
    assert.equal((await api.app.inject({ url: `${CHECK}&caller=1130007777` })).json<{ action: string }>().action, 'allow');
    assert.equal((await api.app.inject({ headers: op, method: 'POST', url: `/v1/blocks/${block.id}/unblock`, payload: { reason: 'again' } })).statusCode, 409);
    assert.equal((await api.app.inject({ headers: op, method: 'POST', url: '/v1/blocks/nope/unblock', payload: { reason: 'unknown id' } })).statusCode, 404);

    const audit = await ch.rows<{ actor: string; event_type: string; details: string }>(
      `SELECT actor, event_type, details FROM ${ch.database}.audit_log WHERE event_type LIKE 'block.%' AND details LIKE {id:String} ORDER BY at, seq`,
      { id: `%${block.id}%` },
    );
    assert.deepEqual(
      audit.map((a) => [a.actor, a.event_type]),
      [
        ['noc-ana', 'block.manual'],
        ['noc-bia', 'block.unblock'],
      ],
    );
    assert.equal((JSON.parse(audit[1]?.details ?? '{}') as { reason?: string }).reason, 'false alarm, customer confirmed');
    assert.equal((await api.security.audit.verify()).ok, true, 'the audit chains verify (A5)');
  });

  it('lists alerts with their evidence CDRs and records acknowledgement and false positives', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const op = await loginAs(api, 'noc-ops', 'operator');
    await api.app.inject({
      method: 'POST',
      url: '/v1/cdrs',
      headers: { ...op, 'content-type': 'application/x-ndjson' },
      payload: ndjson(burst('+551130006666', '203.0.113.66')),
    });
    const list = await api.app.inject({ headers: op, url: '/v1/alerts?tenant=acme&rule=velocity-caller&subject=6666' });
    const alerts = list.json<{ items: { id: string; evidence: string[]; status: string }[]; total: number }>();
    assert.equal(alerts.total, 1);
    const one = await api.app.inject({ headers: op, url: `/v1/alerts/${alerts.items[0]?.id}` });
    const detail = one.json<{ evidenceCdrs: { id: string; caller: string }[]; evidence: string[] }>();
    assert.deepEqual(detail.evidenceCdrs.map((c) => c.id).sort(), [...detail.evidence].sort());
    assert.equal(detail.evidenceCdrs.length, 5);
    const acked = await api.app.inject({
      method: 'POST',
      url: `/v1/alerts/${alerts.items[0]?.id}/status`,
      headers: await loginAs(api, 'noc-ana', 'operator'),
      payload: { status: 'false_positive', note: 'call centre campaign' },
    });
    assert.deepEqual(
      [acked.statusCode, acked.json<{ status: string; statusBy: string }>().status, acked.json<{ statusBy: string }>().statusBy],
      [200, 'false_positive', 'noc-ana'],
    );
    const open = await api.app.inject({ headers: op, url: '/v1/alerts?tenant=acme&status=open&subject=6666' });
    assert.equal(open.json<{ total: number }>().total, 0);
  });

  it('answers malformed requests with a 400 naming the field, never a 500', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const cases: [string, { method?: 'GET' | 'POST'; url: string; payload?: string; headers?: Record<string, string> }, number, string][] = [
      ['missing callee', { url: '/v1/block-check?tenant=acme&account=a&caller=1' }, 400, 'querystring.callee'],
      ['bad IP', { url: `${CHECK}&caller=1&ip=999.1.1.1` }, 400, 'querystring.ip'],
      ['unknown parameter', { url: `${CHECK}&caller=1&calle=2` }, 400, 'querystring'],
      ['control characters', { url: `${CHECK}&caller=1%00` }, 400, 'querystring.caller'],
      ['oversized number', { url: `${CHECK}&caller=${'9'.repeat(200)}` }, 400, 'querystring.caller'],
      ['bad tenant', { url: '/v1/block-check?tenant=a%20b&account=a&caller=1&callee=2' }, 400, 'querystring.tenant'],
      ['JSON body not JSON', { method: 'POST', url: '/v1/block-check', payload: '{"tenant":', headers: { 'content-type': 'application/json' } }, 400, ''],
      ['JSON body array', { method: 'POST', url: '/v1/block-check', payload: '[1,2]', headers: { 'content-type': 'application/json' } }, 400, 'body'],
      [
        'wrong content type',
        { method: 'POST', url: '/v1/block-check', payload: 'caller=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        415,
        '',
      ],
      [
        'bad duration',
        {
          method: 'POST',
          url: '/v1/blocks',
          payload: JSON.stringify({ kind: 'caller', value: '1', duration: 'forever', reason: 'why not' }),
          headers: { ...op, 'content-type': 'application/json' },
        },
        400,
        'body.duration',
      ],
      [
        'unknown format',
        { method: 'POST', url: '/v1/cdrs?format=excel', payload: '{}', headers: { ...op, 'content-type': 'application/x-ndjson' } },
        400,
        'querystring.format',
      ],
      ['CDRs as JSON', { method: 'POST', url: '/v1/cdrs', payload: '{}', headers: { ...op, 'content-type': 'application/json' } }, 415, ''],
    ];
    for (const [what, request, status, path] of cases) {
      const res = await api.app.inject({
        method: request.method ?? 'GET',
        url: request.url,
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
        headers: request.headers ?? {},
      });
      const body = res.json<{ code: string; message: string; path?: string }>();
      assert.equal(res.statusCode, status, `${what}: ${res.body}`);
      assert.ok(body.code.startsWith('REQUEST_'), what);
      if (path) assert.ok((body.path ?? '').startsWith(path), `${what}: ${res.body}`);
      assert.ok(!res.body.includes('    at '), `${what}: no stack trace`);
    }
  });

  it('answers by the fail policy before the block table is loaded, and /readyz says so', async (t) => {
    for (const policy of ['closed', 'open'] as const) {
      const api = await embeddedApi(t, ch, { clock: testClock(NOW), start: false, env: { SENTINELA_FAIL_POLICY: policy } });
      const res = await api.app.inject({ url: `${CHECK}&caller=%2B551130001234` });
      assert.deepEqual(
        [res.json<{ action: string }>().action, res.json<{ policy: string }>().policy],
        [policy === 'open' ? 'allow' : 'block', `fail-${policy}`],
      );
      const ready = await api.app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.match(ready.json<{ reason: string }>().reason, new RegExp(`loading \\(fail-${policy}\\)`));
      // emergency numbers are always allowed, even fail-closed
      assert.equal((await api.app.inject({ url: '/v1/block-check?tenant=acme&account=sales&caller=1&callee=190' })).json<{ action: string }>().action, 'allow');
      await api.start();
      assert.equal((await api.app.inject({ url: '/readyz' })).statusCode, 200);
      assert.equal((await api.app.inject({ url: `${CHECK}&caller=%2B551130004321` })).json<{ policy: string }>().policy, 'normal');
    }
  });

  it('blocks a burst of block-check attempts before any CDR exists and stores the block (EV12)', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock });
    const actions: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock.advance(2_000);
      actions.push(
        (await api.app.inject({ url: `/v1/block-check?tenant=acme&account=sales&caller=%2B551130008888&callee=%2B5511400020${10 + i}&ip=192.0.2.88` })).json<{
          action: string;
        }>().action,
      );
      await api.attemptsCounted(); // the attempt thread has counted it (in life: a moment after the answer)
    }
    // the 5th attempt crosses EV12's threshold; counted on the attempt thread after its answer, it blocks the next ones
    assert.deepEqual(actions, ['allow', 'allow', 'allow', 'allow', 'allow', 'block', 'block']);
    await waitFor(
      async () =>
        (await ch.rows(`SELECT 1 FROM ${ch.database}.blocks FINAL WHERE rule LIKE 'attempt-%' AND subject_value IN ('+551130008888', '192.0.2.88')`)).length ===
        2,
      'attempt blocks stored',
    );
  });

  it('pushes blocks and unblocks to a webhook, signed (HMAC-SHA256, timestamped), and dead-letters after N failures', async (t) => {
    const secret = 'a-long-shared-webhook-secret';
    const hook = await receiver(t);
    const api = await embeddedApi(t, ch, { clock: testClock(NOW), env: { SENTINELA_WEBHOOK_URL: hook.url, SENTINELA_WEBHOOK_SECRET: secret } });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const made = await api.app.inject({
      headers: op,
      method: 'POST',
      url: '/v1/blocks',
      payload: { tenant: 'acme', kind: 'destPrefix', value: '+2917', duration: '1h', reason: 'IRSF wave to Eritrea' },
    });
    const id = made.json<{ id: string }>().id;
    await api.app.inject({ headers: op, method: 'POST', url: `/v1/blocks/${id}/unblock`, payload: { reason: 'carrier fixed routing' } });
    await waitFor(() => hook.received.length === 2, 'two webhook deliveries');
    const events = hook.received.map((r) => JSON.parse(r.body) as { event: string; block: { id: string; subject: string } });
    assert.deepEqual(
      events.map((e) => [e.event, e.block.id, e.block.subject]),
      [
        ['block.created', id, 'destPrefix:+2917'],
        ['block.lifted', id, 'destPrefix:+2917'],
      ],
    );
    for (const r of hook.received) {
      const headers = { signature: String(r.headers['x-sentinela-signature']), timestamp: String(r.headers['x-sentinela-timestamp']) };
      assert.deepEqual(verify(secret, headers, r.body, Math.floor(Date.now() / 1000)), { ok: true });
      assert.deepEqual(verify(secret, headers, r.body.replace('2917', '2918'), Math.floor(Date.now() / 1000)), { ok: false, reason: 'bad-signature' });
      assert.deepEqual(
        verify(secret, headers, r.body, Math.floor(Date.now() / 1000) + 3600),
        { ok: false, reason: 'too-old' },
        'a replay an hour later is refused',
      );
      assert.match(String(r.headers['x-sentinela-delivery']), /^[0-9a-f-]{36}$/);
    }

    const down = await receiver(t, () => ({ code: 500, body: '{"error":"down"}' }));
    const failing = await embeddedApi(t, ch, {
      clock: testClock(NOW),
      env: { SENTINELA_WEBHOOK_URL: down.url, SENTINELA_WEBHOOK_SECRET: secret, SENTINELA_WEBHOOK_MAX_ATTEMPTS: '2' },
    });
    const failingOp = await loginAs(failing, 'noc-ops', 'operator');
    const lost = await failing.app.inject({
      headers: failingOp,
      method: 'POST',
      url: '/v1/blocks',
      payload: { tenant: 'acme', kind: 'ip', value: '198.51.100.200', duration: '5m', reason: 'scanner' },
    });
    const lostId = lost.json<{ id: string }>().id;
    await waitFor(
      async () => (await ch.rows(`SELECT 1 FROM ${ch.database}.push_dead_letters WHERE block_id = {id:String}`, { id: lostId })).length === 1,
      'dead letter',
      20_000,
    );
    const [dead] = await ch.rows<{ target: string; attempts: number; last_error: string }>(
      `SELECT target, attempts, last_error FROM ${ch.database}.push_dead_letters WHERE block_id = {id:String}`,
      { id: lostId },
    );
    assert.deepEqual([dead?.target, dead?.attempts, down.received.length], ['webhook', 2, 2]);
    assert.match(dead?.last_error ?? '', /HTTP 500/);
  });

  it('serves the OpenAPI document generated from the route schemas at /docs', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const doc = (await api.app.inject({ url: '/docs/json' })).json<{ openapi: string; paths: Record<string, unknown> }>();
    assert.match(doc.openapi, /^3\./);
    for (const path of ['/v1/block-check', '/v1/blocks', '/v1/blocks/{id}/unblock', '/v1/alerts', '/v1/alerts/{id}/status', '/v1/rules', '/v1/cdrs'])
      assert.ok(doc.paths[path], path);
    assert.equal((await api.app.inject({ url: '/docs/' })).statusCode, 200);
    const rules = (await api.app.inject({ headers: op, url: '/v1/rules' })).json<{ rules: { id: string; on: string }[] }>();
    assert.ok(rules.rules.some((r) => r.id === 'attempt-velocity-caller' && r.on === 'attempt'));
  });
});
