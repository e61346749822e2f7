import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liftBlock, type Block } from '../../src/domain/blocks/block.js';
import { KamailioTarget } from '../../src/push/targets.js';
import { receiver } from '../api/rig.js';
import { testBlock } from '../domain/blocks/test-block.js';

const NOW = Date.parse('2026-03-02T15:00:00-03:00');
const block: Block = testBlock('b-42', { kind: 'caller', value: '+551130001000' }, { reason: '5 calls in 1m', startsAt: NOW, expiresAt: NOW + 300_000 });

describe('Kamailio htable push (JSON-RPC over HTTP)', () => {
  it('sets the entry with the block as value and its remaining lifetime as expiry, and deletes it on unblock', async (t) => {
    const peer = await receiver(t, (_n, body) => ({
      code: 200,
      body: JSON.stringify({ jsonrpc: '2.0', result: 'Ok.', id: (JSON.parse(body) as { id: number }).id }),
    }));
    const target = new KamailioTarget({ url: peer.url, htable: 'sentinela' });
    await target.deliver(block, NOW + 60_000);
    await target.deliver(liftBlock(block, NOW + 90_000, 'noc', 'ok'), NOW + 90_000);
    const calls = peer.received.map((r) => JSON.parse(r.body) as { jsonrpc: string; method: string; params: unknown[] });
    assert.deepEqual(
      calls.map((c) => [c.jsonrpc, c.method, c.params]),
      [
        ['2.0', 'htable.sets', ['sentinela', 'acme:caller:+551130001000', 'velocity-caller|b-42|acme|caller:+551130001000|velocity-caller']],
        ['2.0', 'htable.setex', ['sentinela', 'acme:caller:+551130001000', 240]],
        ['2.0', 'htable.delete', ['sentinela', 'acme:caller:+551130001000']],
      ],
    );
  });

  it('leaves a block of international calls only to block-check: nothing reaches the htable, which would refuse every call', async (t) => {
    const peer = await receiver(t, (_n, body) => ({
      code: 200,
      body: JSON.stringify({ jsonrpc: '2.0', result: 'Ok.', id: (JSON.parse(body) as { id: number }).id }),
    }));
    const target = new KamailioTarget({ url: peer.url, htable: 'sentinela' });
    await target.deliver({ ...block, scope: 'international' }, NOW + 60_000);
    assert.deepEqual(peer.received, []);
    await target.deliver(block, NOW + 60_000);
    assert.equal(peer.received.length, 2, 'a block of every call is pushed');
  });

  it('fails with PUSH_FAILED on a JSON-RPC error (retried by the pusher), but a delete of a gone key is success', async (t) => {
    const peer = await receiver(t, (_n, body) => {
      const call = JSON.parse(body) as { id: number; method: string };
      return {
        code: 200,
        body: JSON.stringify({
          jsonrpc: '2.0',
          error: call.method === 'htable.delete' ? { code: 404, message: 'Not found' } : { code: 500, message: 'No such htable' },
          id: call.id,
        }),
      };
    });
    const target = new KamailioTarget({ url: peer.url, htable: 'sentinela' });
    await assert.rejects(target.deliver(block, NOW), (err: Error & { code?: string }) => err.code === 'PUSH_FAILED' && /No such htable/.test(err.message));
    await target.deliver(liftBlock(block, NOW, 'noc', 'ok'), NOW);
  });
});
