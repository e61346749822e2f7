import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { AttemptMerger, type ReplayItem } from '../../src/cli/replay/attempts.js';
import { runCli } from '../../src/cli/main.js';
import type { Cdr } from '../../src/domain/cdr/contract.js';

const FIXTURE = 'test/fixtures/canonical/attempts_premium_then_national.ndjson';
const at = (hhmm: string) => Date.parse(`2026-04-16T${hhmm}:00-03:00`);
const cdr = (id: string, start: string, end: string, direction: Cdr['direction'] = 'outbound'): Cdr => ({
  id,
  tenant: 'acme',
  account: 'office',
  caller: '+551130002001',
  callee: '+551130001000',
  startedAt: at(start),
  answeredAt: null,
  endedAt: at(end),
  durationSec: (at(end) - at(start)) / 1000,
  billSec: 0,
  disposition: 'NO ANSWER',
  direction,
});

async function merged(cdrs: readonly Cdr[], lookAheadMs: number) {
  const byId = new Map(cdrs.map((c) => [c.id, c]));
  const merger = new AttemptMerger((line) => [byId.get(line) as Cdr], lookAheadMs);
  const out: string[] = [];
  for await (const item of merger.merge(Readable.from(cdrs.map((c) => c.id)))) out.push(label(item));
  return { out, late: merger.late };
}
const label = (i: ReplayItem) => (i.kind === 'attempt' ? `ask ${i.query.callId}` : `cdr ${i.line}`);

describe('replay --attempts: the merge of call attempts and CDR arrivals', () => {
  it('asks at each outbound call start, before every CDR that arrives later; a long call is asked before the short ones it outlives', async () => {
    // file order is by end: B (10:05-10:06), an inbound I, C (10:20-10:21), then A (10:00-10:30)
    const { out, late } = await merged(
      [cdr('B', '10:05', '10:06'), cdr('I', '10:07', '10:08', 'inbound'), cdr('C', '10:20', '10:21'), cdr('A', '10:00', '10:30')],
      6 * 3_600_000,
    );
    assert.deepEqual(out, ['ask A', 'ask B', 'cdr B', 'cdr I', 'ask C', 'cdr C', 'cdr A']);
    assert.equal(late, 0);
  });

  it('a call that ends exactly when another starts: the attempt goes first; equal starts keep file order', async () => {
    const { out } = await merged([cdr('X', '10:00', '10:05'), cdr('Y', '10:05', '10:06'), cdr('Z', '10:05', '10:07')], 3_600_000);
    assert.deepEqual(out, ['ask X', 'ask Y', 'ask Z', 'cdr X', 'cdr Y', 'cdr Z']);
  });

  it('reads ahead only by the bound: a call flushed later than that is still asked, late, and counted', async () => {
    // D (09:00-09:01) is delivered after A's arrival at 10:30, 90 min late; the bound is 10 min
    const { out, late } = await merged(
      [cdr('B', '10:05', '10:06'), cdr('A', '10:20', '10:30'), cdr('E', '10:40', '10:41'), cdr('D', '09:00', '09:01')],
      600_000,
    );
    assert.deepEqual(out, ['ask B', 'cdr B', 'ask A', 'cdr A', 'ask D', 'ask E', 'cdr E', 'cdr D']);
    assert.equal(late, 1);
  });
});

describe('sentinela replay --attempts', () => {
  it('a block from a CDR verdict refuses a later attempt; refusals are written among the verdicts in emission order', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['replay', '--quiet', '--attempts', FIXTURE],
      { LOG_LEVEL: 'silent' },
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stdin: () => Readable.from(['']) },
    );
    assert.equal(code, 0, err.join('\n'));
    const lines = out.map((l) => JSON.parse(l) as { kind: string; callId?: string; rule?: string; reasons?: { rule: string }[] });
    const order = lines.map((l) => (l.kind === 'refused' ? `refused ${l.callId} ${l.reasons?.[0]?.rule}` : `${l.kind} ${l.rule}`));
    // the 0900 calls are refused by the profile (F4) at once; their CDRs still arrive (the PBX of this file placed them)
    // and premium-destination blocks the caller at the 2nd; the national call 20 min later is refused by that block
    assert.deepEqual(order, [
      'refused a1 profile-premium',
      'alert off-hours-call',
      'alert premium-destination',
      'refused a2 profile-premium',
      'alert premium-destination',
      'block premium-destination',
      'refused a3 premium-destination',
    ]);
    assert.match(err.join('\n'), /block-checks asked\s+3\n\s+refused\s+3/);
    const again: string[] = [];
    await runCli(
      ['replay', '--quiet', '--attempts', FIXTURE],
      { LOG_LEVEL: 'silent' },
      { stdout: (t) => again.push(t), stderr: () => undefined, stdin: () => Readable.from(['']) },
    );
    assert.deepEqual(again, out, 'the same file gives the same output');
  });
});
