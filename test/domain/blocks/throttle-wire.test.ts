import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockOfRow, blockRow, type BlockRow } from '../../../src/adapters/clickhouse/block-rows.js';
import type { Block } from '../../../src/domain/blocks/block.js';
import { parseBlockJson, verdictJson } from '../../../src/domain/engine/verdict-json.js';
import { callEndJson, callEndsOf, parseCallEndJson } from '../../../src/domain/live/call-end.js';
import type { Cdr } from '../../../src/domain/cdr/contract.js';
import { KamailioTarget, WebhookTarget } from '../../../src/push/targets.js';
import { testBlock } from './test-block.js';

const T0 = Date.parse('2026-03-02T18:00:00Z');
const throttle: Block = testBlock(
  't1',
  { kind: 'account', value: 'travel' },
  {
    rule: 'concurrent-calls',
    reason: '6 live international calls, above max(5, 2 × usual peak 0) = 5, cap 10: 2 new international calls per 1m',
    scope: 'international',
    throttle: { calls: 2, perMs: 60_000 },
    startsAt: T0,
    expiresAt: T0 + 900_000,
  },
);
const plain: Block = { ...throttle };
delete (plain as { throttle?: unknown }).throttle;

describe('a throttle is the one Block form with a rate: stored, published and pushed like any block', () => {
  it('wire form (blocks topic, webhook, replay) carries the rate and reads back; a block proper stays byte-identical', () => {
    const text = verdictJson(throttle);
    assert.match(text, /"scope":"international","throttle":\{"calls":2,"per":"1m"\},"reason":/);
    assert.deepEqual(parseBlockJson(text), throttle);
    assert.doesNotMatch(verdictJson(plain), /throttle/);
    assert.equal('throttle' in parseBlockJson(verdictJson(plain)), false);
  });

  it('ClickHouse row form (migration 009: throttle_calls, throttle_per_ms; 0 for a block) reads back', () => {
    const row = (b: Block): BlockRow => {
      const r = blockRow(b);
      return { ...(r as unknown as BlockRow), starts: String(b.startsAt), expires: String(b.expiresAt), lifted: null };
    };
    assert.deepEqual(blockOfRow(row(throttle)).throttle, { calls: 2, perMs: 60_000 });
    assert.deepEqual([blockRow(plain)['throttle_calls'], blockRow(plain)['throttle_per_ms']], [0, 0]);
    assert.equal('throttle' in blockOfRow(row(plain)), false);
  });

  it('Kamailio gets no htable entry for a throttle (it can only refuse), nor a delete when one is lifted; the webhook gets it', () => {
    const kamailio = new KamailioTarget({ url: 'http://127.0.0.1:1/RPC', htable: 'sentinela' });
    assert.equal(kamailio.payload({ ...throttle, scope: 'all' }), '[]');
    assert.equal(kamailio.payload({ ...throttle, state: 'lifted', liftedAt: T0 + 1 }), '[]');
    assert.match(kamailio.payload({ ...plain, scope: 'all' }), /htable\.sets/);
    assert.match(new WebhookTarget({ url: 'http://127.0.0.1:1/', secret: 's' }).payload(throttle), /"throttle":\{"calls":2,"per":"1m"\}/);
  });
});

describe('call ends (issue 16): the compact fact a CDR gives block-check', () => {
  const cdr = (id: string, o: Partial<Cdr> = {}): Cdr => ({
    id,
    tenant: 'acme',
    account: 'travel',
    caller: '1130001000',
    callee: '002348031234500',
    startedAt: T0,
    answeredAt: T0 + 5_000,
    endedAt: T0 + 3_600_000,
    durationSec: 3600,
    billSec: 3595,
    disposition: 'ANSWERED',
    ...o,
  });

  it('one per outbound CDR the rules counted (inbound, emergency and repeats never opened a call)', () => {
    const ends = callEndsOf([
      { cdr: cdr('a', { callId: 'x@pbx' }), status: 'evaluated' },
      { cdr: cdr('b', { direction: 'inbound' }), status: 'evaluated' },
      { cdr: cdr('c', { callee: '190' }), status: 'emergency' },
      { cdr: cdr('d'), status: 'leg' },
      { cdr: cdr('e', { direction: 'outbound' }), status: 'evaluated' },
    ]);
    assert.deepEqual(ends, [
      { tenant: 'acme', account: 'travel', caller: '1130001000', callee: '002348031234500', startedAt: T0, callId: 'x@pbx' },
      { tenant: 'acme', account: 'travel', caller: '1130001000', callee: '002348031234500', startedAt: T0 },
    ]);
    for (const e of ends) assert.deepEqual(parseCallEndJson(callEndJson(e)), e);
  });

  it('a foreign message on the topic throws (the feed logs and skips it)', () => {
    assert.throws(() => parseCallEndJson('{"t":"acme"}'));
    assert.throws(() => parseCallEndJson('not json'));
  });
});
