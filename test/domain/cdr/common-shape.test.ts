import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { commonShape } from '../../../src/domain/cdr/common-shape.js';
import { cdrShape } from '../../../src/domain/cdr/contract.js';

/** Values each field is drawn from: mostly valid ones (so that whole CDRs pass), edge lengths, and ones the contract refuses. */
const str = (valid: readonly string[], refused: readonly string[] = []) =>
  fc.oneof(
    { weight: 40, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constantFrom('', 'a\u0007b', 'x'.repeat(64), 'x'.repeat(65), 'y'.repeat(128), 'y'.repeat(129), ...refused) },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  );
const num = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 0, max: 120 }) },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 700_000 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, min: -1, max: 2e9 }) },
  { weight: 1, arbitrary: fc.constantFrom(604_800, 604_801, 1e9, 1e9 + 1, 0.5, -0) },
);
const wrong = fc.constantFrom<unknown>(null, undefined, true, 7, 'x', [], {});
const field = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 80, arbitrary: arb }, { weight: 1, arbitrary: wrong });

const REQUIRED = ['id', 'account', 'caller', 'callee', 'startedAt', 'endedAt', 'durationSec', 'billSec', 'disposition'] as const;
const fields = {
  id: field(str(['1690325492.2', 'bench-1'])),
  callId: field(str(['call-1'])),
  tenant: field(str(['acme', 't0', 'x'.repeat(64)], ['bad tenant', 'a/b'])),
  account: field(str(['acct1'])),
  caller: field(str(['+551130001000', '2001'])),
  callee: field(str(['0021441632960000', '190'])),
  srcIp: field(str(['203.0.113.9', '10.0.0.1', '::1', '2001:db8::1'], ['10.0.0.256', '01.2.3.4', ' 1.2.3.4'])),
  startedAt: field(fc.oneof(str(['2026-03-01T10:00:00-03:00', 'yesterday']), num)),
  answeredAt: field(fc.oneof(str(['2026-03-01T10:00:10-03:00']), num, fc.constant(null))),
  endedAt: field(fc.oneof(str(['2026-03-01T10:01:10-03:00']), num)),
  durationSec: field(num),
  billSec: field(num),
  disposition: field(str(['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'CONGESTION'], ['answered'])),
  direction: field(str(['outbound', 'inbound', 'internal'], ['out'])),
  cost: field(num),
  currency: field(str(['BRL', 'USD'], ['brl', 'BRLX'])),
  trunk: field(str(['PJSIP/embratel', ''])),
  userAgent: field(str(['Asterisk PBX 20.5.0'])),
  extra: field(fc.constantFrom({ a: 1 }, { b: 'x' })),
};
/** Required fields are present but for a rare omission; optional ones come and go; rarely an unknown key. */
const cdr = fc
  .tuple(
    fc.record(fields, { requiredKeys: [...REQUIRED] }),
    fc.oneof({ weight: 30, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...REQUIRED) }),
    fc.integer({ min: 0, max: 30 }),
  )
  .map(([record, omit, unknown]) => {
    const out: Record<string, unknown> = { ...record };
    if (omit !== null) delete out[omit];
    if (unknown === 0) out['srcIP'] = '203.0.113.9';
    return out;
  });

describe('canonical CDR: the common shape checked without zod', () => {
  it('accepts only what cdrShape accepts, and returns what it returns (same keys, same order)', () => {
    fc.assert(
      fc.property(cdr, (input) => {
        const fast = commonShape(input);
        const zod = cdrShape.safeParse(input);
        if (fast === undefined) return;
        assert.ok(zod.success, `zod refuses what the common shape accepted: ${JSON.stringify(input)}`);
        assert.deepEqual(Object.entries(fast), Object.entries(zod.data));
      }),
      { numRuns: 20_000 },
    );
  });

  it('returns an owned input as it is only when that is exactly what it would build (same keys, same order)', () => {
    // inputs in shape order (as generated) and shuffled: only the former may be returned as they are
    const shuffled = fc.tuple(cdr, fc.boolean(), fc.integer()).map(([input, shuffle, seed]) => {
      if (!shuffle) return input;
      const entries = Object.entries(input);
      for (let i = entries.length - 1; i > 0; i--) {
        const j = Math.abs(seed + i * 7919) % (i + 1);
        [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
      }
      return Object.fromEntries(entries);
    });
    let returned = 0;
    fc.assert(
      fc.property(shuffled, (input) => {
        const copied = commonShape(input);
        const given = { ...input };
        const owned = commonShape(given, true);
        if (owned === given) returned++;
        if (copied === undefined) return assert.equal(owned, undefined);
        assert.ok(owned);
        assert.deepEqual(Object.entries(owned), Object.entries(copied));
        assert.deepEqual(Object.entries(owned), Object.entries(cdrShape.parse(input)));
      }),
      { numRuns: 20_000 },
    );
    assert.ok(returned > 100, `an owned input was returned as it is ${returned} times`);
  });

  it('decodes a JSON line in shape order into the parsed object itself, and any other order into a copy', () => {
    const line = JSON.stringify({ id: 'bench-1', tenant: 't0', account: 'a', caller: '2001', callee: '190', startedAt: 0, answeredAt: null, endedAt: 0 });
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const inOrder: Record<string, unknown> = { ...parsed, durationSec: 0, billSec: 0, disposition: 'NO ANSWER' };
    assert.equal(commonShape(inOrder, true), inOrder);
    const outOfOrder: Record<string, unknown> = { ...inOrder };
    delete outOfOrder['id'];
    outOfOrder['id'] = inOrder['id'];
    const copy = commonShape(outOfOrder, true);
    assert.notEqual(copy, outOfOrder);
    assert.deepEqual(Object.keys(copy ?? {}), Object.keys(inOrder));
  });

  it('takes the common shape for ordinary CDRs (else it would speed nothing up)', () => {
    const ordinary = {
      id: 'bench-1',
      tenant: 't0',
      account: 'acct1',
      caller: '+5511300010001',
      callee: '0021441632960000',
      srcIp: '10.0.0.1',
      startedAt: '2026-03-01T10:00:00-03:00',
      answeredAt: null,
      endedAt: '2026-03-01T10:00:03-03:00',
      durationSec: 3,
      billSec: 0,
      disposition: 'NO ANSWER',
      direction: 'outbound',
    };
    const fast = commonShape(ordinary);
    assert.ok(fast);
    assert.deepEqual(Object.entries(fast), Object.entries(cdrShape.parse(ordinary)));
    // without the defaulted fields: zod fills them in, so must the common shape
    const bare: Record<string, unknown> = { ...ordinary };
    delete bare['tenant'];
    delete bare['answeredAt'];
    assert.deepEqual(Object.entries(commonShape(bare) ?? {}), Object.entries(cdrShape.parse(bare)));
  });
});
