import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { migrated, waitFor } from '../processor/rig.js';
import { embeddedApi, loginAs, testClock } from '../api/rig.js';
import { edgeNft, elements, netns, SECRET } from './rig.js';

/**
 * The whole path: a PBX posts failed REGISTERs → EV01 blocks the IP → the pusher's signed webhook → `sentinela edge nft`
 * → the address is in the nftables set until the block ends, and leaves it when an operator lifts the block.
 * The pusher signs with the wall clock, so the shared test clock is fixed at the wall-clock second the test starts.
 */
describe('sentinela edge nft behind the embedded API: a scanning IP reaches the host firewall (chDB, real nft)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('5 failed registrations from 203.0.113.77 put it in blocked4 for the life of the block; the unblock takes it out', async (t) => {
    const start = Math.floor(Date.now() / 1000) * 1000;
    const clock = testClock(start);
    const { ns, nft } = netns(t);
    const url = await edgeNft(t, nft, clock);
    const api = await embeddedApi(t, ch, { clock, env: { SENTINELA_WEBHOOK_URL: url, SENTINELA_WEBHOOK_SECRET: SECRET } });
    const op = await loginAs(api, 'noc-ops', 'operator');
    const failures = [50, 40, 30, 20, 10].map((s) => ({
      at: new Date(start - s * 1000).toISOString(),
      tenant: 'acme',
      type: 'auth-failed',
      srcIp: '203.0.113.77',
      srcPort: 5072,
      transport: 'udp',
      user: `10${s}`,
      method: 'REGISTER',
      callId: `reg-${s}@scanner`,
      userAgent: 'friendly-scanner',
    }));
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...op, 'content-type': 'application/x-ndjson' },
      payload: failures.map((f) => JSON.stringify(f)).join('\n'),
    });
    assert.equal(res.statusCode, 200, res.body);
    const blocks = res.json<{ verdicts: { kind: string; id: string; subject: string; expiresAt: string }[] }>().verdicts.filter((v) => v.kind === 'block');
    assert.deepEqual(
      blocks.map((b) => b.subject),
      ['ip:203.0.113.77'],
    );
    const block = blocks[0]!;
    await waitFor(() => elements(ns, 'blocked4').length > 0, 'the block pushed to the edge');
    assert.deepEqual(elements(ns, 'blocked4'), [{ val: '203.0.113.77', timeout: (Date.parse(block.expiresAt) - start) / 1000 }]);

    const lifted = await api.app.inject({ headers: op, method: 'POST', url: `/v1/blocks/${block.id}/unblock`, payload: { reason: 'pen test, agreed' } });
    assert.equal(lifted.statusCode, 200, lifted.body);
    await waitFor(() => elements(ns, 'blocked4').length === 0, 'the unblock pushed to the edge');
    assert.equal(api.pusher.counts.deadLettered, 0);
  });
});
