import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkQuery } from '../../src/api/block-check.js';
import { fastCheckQuery } from '../../src/api/check-query-fast.js';

/** Strings near every edge of the contract: lengths 0/1/64/65/128/129, control characters, surrogates, IP-likes. */
const edgy = fc.oneof(
  fc.constantFrom(
    '',
    'a',
    'acme',
    'default',
    'a.b_c-d',
    'a b',
    'ação',
    '+551130001000',
    '0800 123',
    '\u0000',
    'x\u001f',
    'x\u007f',
    'x\u0080y',
    'x\u009f',
    'x\u00a0',
  ),
  fc.constantFrom(
    '\ud83d\ude80',
    '\ud800',
    'a\udc00b',
    '1.2.3.4',
    '255.255.255.255',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3',
    ' 1.2.3.4',
    '1.2.3.4\n',
    '::1',
    'fe80::1%eth0',
  ),
  fc.constantFrom('__proto__', 'constructor', 'toString', '1'.repeat(64), '1'.repeat(65), 'a'.repeat(128), 'a'.repeat(129), 'c'.repeat(256), 'c'.repeat(257)),
  fc.string({ maxLength: 70 }),
  fc.string({ unit: 'binary', maxLength: 140 }),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,66}$/),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
);
const value = fc.oneof(
  { weight: 8, arbitrary: edgy },
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.array(edgy, { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const KEYS = ['tenant', 'account', 'caller', 'callee', 'ip', 'callId'] as const;
const query = fc.record(Object.fromEntries(KEYS.map((k) => [k, value])) as Record<(typeof KEYS)[number], typeof value>, { requiredKeys: [] }).chain((q) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant<object>(q) },
    fc.dictionary(edgy, value, { maxKeys: 2 }).map((extra) => ({ ...q, ...extra })),
  ),
);
/** Queries a PBX sends: the fast path must take them (else it is no fast path). */
const typical = fc.record(
  {
    tenant: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
    account: fc.string({ minLength: 1, maxLength: 128 }).filter((s) => !/\p{Cc}/u.test(s)),
    caller: fc.stringMatching(/^\+?[0-9]{3,15}$/),
    callee: fc.stringMatching(/^\+?[0-9*#]{1,20}$/),
    ip: fc.ipV4(),
    callId: fc.string({ minLength: 1, maxLength: 256 }),
  },
  { requiredKeys: ['account', 'caller', 'callee'] },
);

/** An object as fastify's query parser (fast-querystring) makes it: its prototype is an empty object without one. */
function parsedQuery(q: object): object {
  const Empty = function () {} as unknown as new () => object;
  Empty.prototype = Object.create(null) as object;
  return Object.assign(new Empty(), q);
}

const agree = (input: unknown) => {
  const fast = fastCheckQuery(input);
  if (fast === undefined) return;
  const zod = checkQuery.safeParse(input);
  assert.ok(zod.success, `fast accepted what zod refuses: ${JSON.stringify(input)}`);
  assert.deepEqual(fast, zod.data);
};

describe('block-check query: the hand-written reader agrees with zod (checkQuery)', () => {
  it('never accepts what zod refuses, never answers differently (random and hostile inputs)', () => {
    fc.assert(fc.property(query, agree), { numRuns: 20_000 });
    fc.assert(fc.property(fc.anything(), agree), { numRuns: 5_000 });
    fc.assert(
      fc.property(query, (q) => agree(parsedQuery(q))),
      { numRuns: 5_000 },
    );
  });

  it('takes every typical PBX query, with the same result as zod', () => {
    fc.assert(
      fc.property(typical, (q) => {
        const fast = fastCheckQuery(q);
        assert.ok(fast !== undefined, JSON.stringify(q));
        assert.deepEqual(fast, checkQuery.parse(q));
        assert.deepEqual(fastCheckQuery(parsedQuery(q)), fast, 'a query as fastify parses it');
      }),
      { numRuns: 5_000 },
    );
  });

  it('leaves the unusual to zod: IPv6, repeated keys, unknown keys, objects with a prototype, an undefined value', () => {
    const q = { tenant: 'acme', account: '1001', caller: '+551130001000', callee: '+442071234567' };
    assert.deepEqual(fastCheckQuery(q), q);
    assert.deepEqual(fastCheckQuery({ account: '1', caller: '2', callee: '3' }), { tenant: 'default', account: '1', caller: '2', callee: '3' });
    for (const odd of [
      { ...q, ip: '::1' },
      { ...q, caller: ['+1', '+2'] },
      { ...q, extra: 'x' },
      { ...q, ip: undefined },
      Object.assign(Object.create({ inherited: 1 }) as object, q),
      Object.assign(Object.create(Object.create(null, { tenant: { value: 'acme', enumerable: true, writable: true } }) as object) as object, q),
      JSON.parse(`{"__proto__": "x", "tenant": "acme", "account": "1", "caller": "2", "callee": "3"}`) as unknown,
    ])
      assert.equal(fastCheckQuery(odd), undefined, JSON.stringify(odd));
  });
});
