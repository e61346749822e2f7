import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadRuleFiles, type RuleFiles } from '../../src/adapters/files/rule-files.js';
import { ClickHouseApiStore } from '../../src/adapters/clickhouse/api-store.js';
import { blocksOfLines } from '../../src/adapters/clickhouse/block-stream.js';
import { profilesFileSpec } from '../../src/domain/rules/profile-spec.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { cdr, migrated, NOW, waitFor } from '../processor/rig.js';
import { embeddedApi, loginAs, testClock } from './rig.js';

/** The shipped rules; acme/travel capped at 3 live international calls, acme/expats throttled above 2 (1 a minute). */
function rules(): RuleFiles {
  const shipped = loadRuleFiles('rules');
  const allow = { policy: 'allow' };
  const profiles = profilesFileSpec.parse({
    defaults: shipped.profiles.defaults,
    tenants: {
      acme: {
        accounts: {
          travel: { international: allow, concurrency: { international: 3, throttle: { floor: 100, factor: 1, calls: 1, per: '1m' } } },
          expats: { international: allow, concurrency: { throttle: { floor: 2, factor: 2, calls: 1, per: '1m', for: '10m' } } },
        },
      },
    },
  });
  return { ...shipped, profiles };
}

const check = (account: string, n: number, extra = '') =>
  `/v1/block-check?tenant=acme&account=${account}&caller=11300010${10 + n}&callee=00351211234${500 + n}&callId=${account}-${n}%40pbx${extra}`;

describe('live concurrent calls, embedded mode: block-checks open calls, CDRs posted to /v1/cdrs close them (chDB)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('refuses the call over the cap until the pipeline persists a CDR of a live call; counts it in /metrics', async (t) => {
    const clock = testClock(NOW);
    const api = await embeddedApi(t, ch, { clock, ruleFiles: rules() });
    const actions = [];
    for (let n = 0; n < 4; n++) actions.push((await api.app.inject({ url: check('travel', n) })).json<{ action: string; reasons: { detail?: string }[] }>());
    assert.deepEqual(
      actions.map((a) => a.action),
      ['allow', 'allow', 'allow', 'block'],
    );
    assert.equal(actions[3]?.reasons[0]?.detail, '4 live international calls (cap 3)');
    const metric = async (line: RegExp) => Number(line.exec((await api.app.inject({ url: '/metrics' })).body)?.[1] ?? NaN);
    assert.equal(await metric(/^sentinela_live_calls\{tenant="acme"\} (\d+)/m), 3);
    assert.equal(await metric(/^sentinela_block_check_refusals_total\{reason="concurrent-calls"\} (\d+)/m), 1);

    // two of the calls end: their CDRs (Call-ID, E.164 numbers) go through the pipeline, which hands the ends over
    clock.advance(20 * 60_000);
    const op = await loginAs(api, 'noc-live', 'operator');
    const ended = [0, 1].map((n) =>
      cdr(`travel-${n}`, new Date(NOW).toISOString(), {
        account: 'travel',
        caller: `+55113000101${n}`,
        callee: `+351211234${500 + n}`,
        callId: `travel-${n}@pbx`,
        durationSec: 1200,
      }),
    );
    const body = ended.map((c) => JSON.stringify(c)).join('\n');
    const res = await api.app.inject({ method: 'POST', url: '/v1/cdrs', headers: { ...op, 'content-type': 'application/x-ndjson' }, payload: body });
    assert.equal(res.json<{ accepted: number }>().accepted, 2, res.body);
    await waitFor(async () => (await metric(/^sentinela_live_calls\{tenant="acme"\} (\d+)/m)) === 1, 'two calls closed');
    assert.equal((await api.app.inject({ url: check('travel', 4) })).json<{ action: string }>().action, 'allow');
  });

  it('a throttle is stored like a block: listed by GET /v1/blocks with its rate and bootstrapped by another replica', async (t) => {
    const clock = testClock(NOW + 3_600_000);
    const api = await embeddedApi(t, ch, { clock, ruleFiles: rules() });
    const answers = [];
    for (let n = 0; n < 4; n++) answers.push((await api.app.inject({ url: check('expats', n) })).json<{ action: string; throttle?: unknown }>());
    assert.deepEqual(
      answers.map((a) => a.action),
      ['allow', 'allow', 'throttle', 'block'],
    );
    assert.deepEqual(answers[2]?.throttle, { calls: 1, per: '1m' });
    const op = await loginAs(api, 'noc-live2', 'operator');
    let listed: { items: { rule: string; subject: string; scope: string; throttle?: unknown }[] } = { items: [] };
    await waitFor(async () => {
      listed = (await api.app.inject({ url: '/v1/blocks?tenant=acme&rule=concurrent-calls', headers: op })).json();
      return listed.items.length === 1;
    }, 'the throttle stored');
    assert.deepEqual(
      listed.items.map((b) => [b.subject, b.scope, b.throttle]),
      [['account:expats', 'international', { calls: 1, per: '1m' }]],
    );
    const bootstrapped = blocksOfLines(await new ClickHouseApiStore(ch.client, ch.database).activeBlocks(clock()));
    assert.deepEqual(
      bootstrapped.filter((b) => b.rule === 'concurrent-calls').map((b) => b.throttle),
      [{ calls: 1, perMs: 60_000 }],
    );
  });

  it('refuses a callee that is no number over HTTP, naming the rule and the error code', async (t) => {
    const api = await embeddedApi(t, ch, { clock: testClock(NOW) });
    const res = await api.app.inject({ url: `/v1/block-check?tenant=acme&account=sales&caller=1130001000&callee=${encodeURIComponent("1' OR '1'='1")}` });
    assert.equal(res.statusCode, 200);
    const a = res.json<{ action: string; reasons: { rule: string; code: string }[] }>();
    assert.deepEqual([a.action, a.reasons[0]?.rule, a.reasons[0]?.code], ['block', 'invalid-callee', 'CALLEE_NOT_DIALABLE']);
    const doc = (await api.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, { get?: { responses: Record<string, unknown> } }> }>();
    assert.match(JSON.stringify(doc.paths['/v1/block-check']?.get?.responses['200']), /"throttle"/);
  });
});
