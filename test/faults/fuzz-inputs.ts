import fc from 'fast-check';
import { cdr } from '../processor/rig.js';

/**
 * Hostile and malformed records for the decoders: random bytes and text, random JSON, canonical CDRs with fields
 * swapped for anything, deep nesting, prototype-pollution keys, absurd numbers, CSV rows of random cells, and a
 * share of valid CDRs. Values only; the caller frames them (a Kafka message each, or one line of a body).
 */
const BASE = Date.parse('2026-03-02T12:00:00-03:00');

const weird = fc.oneof(
  fc.anything(),
  fc.constantFrom(null, '', ' ', '+', '0', '-1', 1e308, -0, Number.MAX_SAFE_INTEGER + 2, 'NaN', '1e999', '\u0000', '\ud800', '💥'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
);
const fields = [
  'id',
  'tenant',
  'account',
  'caller',
  'callee',
  'srcIp',
  'startedAt',
  'answeredAt',
  'endedAt',
  'durationSec',
  'billSec',
  'disposition',
  'callId',
];

const mutatedCdr = fc
  .tuple(fc.nat(), fc.dictionary(fc.constantFrom(...fields, '__proto__', 'constructor', 'extra'), weird, { maxKeys: 3 }))
  .map(([n, changes]) => {
    const base = cdr(`fz-${n}`, new Date(BASE + (n % 86_400) * 1_000).toISOString(), { caller: `+5511${String(30_000_000 + (n % 99_999)).padStart(8, '0')}` });
    return JSON.stringify({ ...base, ...changes });
  });
const validCdr = fc
  .nat()
  .map((n) =>
    JSON.stringify(cdr(`ok-${n}`, new Date(BASE + (n % 86_400) * 1_000).toISOString(), { callee: `+55113${String(n % 9_999_999).padStart(7, '0')}` })),
  );
const deep = fc
  .tuple(fc.integer({ min: 5, max: 3_000 }), fc.constantFrom('[', '{"a":'))
  .map(([d, open]) => open.repeat(d) + '1' + (open === '[' ? ']' : '}').repeat(d));
const pollution = fc.constantFrom(
  '{"__proto__":{"admin":true},"id":"p1","tenant":"acme"}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"id":"p2","tenant":"acme","__proto__":null}',
);
const csvRow = fc
  .array(fc.oneof(fc.string({ maxLength: 20 }), fc.constant('"'), fc.constant('""'), fc.integer().map(String)), { maxLength: 22 })
  .map((cells) => cells.join(','));

export const fuzzRecord: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: mutatedCdr.map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: validCdr.map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 2, arbitrary: csvRow.map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: deep.map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: pollution.map((s) => Buffer.from(s)) },
);

/** `count` records from a fixed seed (the run is reproducible; the seed is printed with the figures). */
export function fuzzRecords(count: number, seed: number): Buffer[] {
  return fc.sample(fuzzRecord, { numRuns: count, seed });
}

/**
 * One record as one body line: no line feed inside, never empty (BodyIngest skips empty lines), and no carriage
 * return either (the CSV decoders read a bare CR as a record separator: one line would count as two records).
 */
export function asLine(record: Buffer): Buffer {
  const line = Buffer.from(record.map((b) => (b === 10 || b === 13 ? 32 : b)));
  return line.length === 0 ? Buffer.from('x') : line;
}
