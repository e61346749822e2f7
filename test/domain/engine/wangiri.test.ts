import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockCheckService } from '../../../src/api/block-check.js';
import { BlockTable } from '../../../src/domain/blocks/block-table.js';
import { createEngine } from '../../../src/domain/engine/build.js';
import { alertsOf, blocksOf, DEFAULT_RULES, harness, series } from './harness.js';

const WANGIRI = ['wangiri-range', 'wangiri-callback'];
/** Numbers of a Malian mobile range (+2237): the bait. */
const bait = (i: number) => `+2237${String(1_000_000 + i * 3_571)}`;
const did = (i: number) => `+55113100${String(1000 + i)}`;

describe('Wangiri (G2, F4, G4)', () => {
  it('blocks the range at one-ring calls to 6 different DIDs within 30 min, and alerts on a callback', () => {
    const h = harness({ only: WANGIRI });
    const rings = series('2026-03-03T03:00:00-03:00', 8, 40, (at, i) => h.call(at, { direction: 'inbound', caller: bait(i), callee: did(i), billSec: 0 }));
    const verdicts = h.feed(...rings);
    const [block] = blocksOf(verdicts, 'wangiri-range');
    assert.deepEqual(block?.subject, { kind: 'destPrefix', value: '+2237' });
    assert.equal(block?.scope, 'international');
    assert.equal((block?.expiresAt ?? 0) - (block?.startsAt ?? 0), 86_400_000);
    assert.deepEqual(block?.evidence.at(-1), rings[5]?.id);
    // an employee calls one of the numbers back the next morning: a critical alert on the number called back (the
    // employee is the victim; the block refuses the call at block-check)
    const callback = h.call('2026-03-03T09:10:00-03:00', { caller: '+551131001003', callee: bait(3), billSec: 0 });
    const [alert] = alertsOf(h.feed(callback), 'wangiri-callback');
    assert.equal(alert?.severity, 'critical');
    assert.deepEqual(alert?.subject, { kind: 'destination', value: bait(3) });
  });

  it('leaves a client abroad alone: one missed call, called back; and one number ringing one DID again and again', () => {
    const h = harness({ only: WANGIRI });
    const missed = h.call('2026-03-03T10:00:00-03:00', { direction: 'inbound', caller: bait(0), callee: did(0), billSec: 0 });
    const back = h.call('2026-03-03T10:05:00-03:00', { caller: did(0), callee: bait(0), billSec: 300 });
    const retries = series('2026-03-03T11:00:00-03:00', 10, 60, (at) => h.call(at, { direction: 'inbound', caller: bait(1), callee: did(1), billSec: 0 }));
    assert.deepEqual(h.feed(missed, back, ...retries), []);
  });

  it('does not count national callers, answered conversations or outbound calls as bait', () => {
    const h = harness({ only: WANGIRI });
    const national = series('2026-03-03T03:00:00-03:00', 10, 30, (at, i) =>
      h.call(at, { direction: 'inbound', caller: `+5521999${String(100_000 + i)}`, callee: did(i), billSec: 0 }),
    );
    const talks = series('2026-03-03T04:00:00-03:00', 10, 30, (at, i) => h.call(at, { direction: 'inbound', caller: bait(i), callee: did(i), billSec: 200 }));
    const outbound = series('2026-03-03T05:00:00-03:00', 10, 30, (at, i) => h.call(at, { caller: did(i), callee: bait(i), billSec: 0 }));
    assert.deepEqual(h.feed(...national, ...talks, ...outbound), []);
  });

  it('refuses the callback through block-check once the range block reached the table', () => {
    const h = harness({ only: WANGIRI });
    const rings = series('2026-03-03T03:00:00-03:00', 6, 40, (at, i) => h.call(at, { direction: 'inbound', caller: bait(i), callee: did(i), billSec: 0 }));
    const [block] = blocksOf(h.feed(...rings));
    assert.ok(block);
    const table = new BlockTable();
    const attempts = createEngine(
      DEFAULT_RULES,
      { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' } },
      { on: 'attempt' },
    );
    const service = new BlockCheckService({ attempts, table, failPolicy: 'open', staleAfterMs: 60_000, onVerdicts: () => undefined });
    const now = Date.parse('2026-03-03T09:10:00-03:00');
    service.markLoaded(now);
    table.apply(block, now);
    const back = service.check({ tenant: 'acme', account: 'sales', caller: '+551131001002', callee: `00${bait(2).slice(1)}` }, now);
    assert.equal(back.action, 'block');
    assert.ok(back.reasons.some((r) => r.rule === 'wangiri-range' && r.subject === 'destPrefix:+2237'));
    // another tenant, and the same tenant's other countries, are not affected
    assert.equal(
      service.check({ tenant: 'other', account: 'sales', caller: '+551131001002', callee: bait(2) }, now).reasons.some((r) => r.rule === 'wangiri-range'),
      false,
    );
    assert.equal(
      service.check({ tenant: 'acme', account: 'sales', caller: '+551131001002', callee: '+4930123456' }, now).reasons.some((r) => r.rule === 'wangiri-range'),
      false,
    );
    // a day later the block has expired
    assert.equal(
      service
        .check({ tenant: 'acme', account: 'sales', caller: '+551131001002', callee: bait(2) }, block.expiresAt)
        .reasons.some((r) => r.rule === 'wangiri-range'),
      false,
    );
  });
});
