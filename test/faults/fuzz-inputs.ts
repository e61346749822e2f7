import fc from 'fast-check';
import { readFileSync } from 'node:fs';
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

/** Real PBX security-log lines (test/fixtures/signalling), the starting points of the security-event fuzz. */
const LOG_LINES = ['asterisk_security_derived.log', 'asterisk_security_fail2ban.log', 'freeswitch_derived.log', 'kamailio_security_cfg_run.log']
  .flatMap((f) => readFileSync(`test/fixtures/signalling/${f}`, 'latin1').split('\n'))
  .filter((l) => l.trim() !== '');
const EVENT = { at: '2026-03-02T12:00:00-03:00', tenant: 'acme', type: 'auth-failed', srcIp: '203.0.113.7', srcPort: 5060, transport: 'udp', user: '1001' };
const eventFields = [...Object.keys(EVENT), 'method', 'callId', 'userAgent', 'fingerprint', 'count', 'reporter', 'raw', 'via'];

/** A log line with a slice replaced by anything (quotes, separators, control characters, huge numbers), or cut short. */
const mutatedLogLine = fc
  .tuple(
    fc.constantFrom(...LOG_LINES),
    fc.nat(),
    fc.nat(),
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      weird.map((w) => JSON.stringify(w) ?? ''),
    ),
  )
  .map(([line, a, b, insert]) => {
    const from = a % (line.length + 1);
    return line.slice(0, from) + insert + line.slice(Math.min(line.length, from + (b % 40)));
  });
const mutatedEvent = fc
  .tuple(fc.nat(), fc.dictionary(fc.constantFrom(...eventFields, '__proto__'), weird, { maxKeys: 3 }))
  .map(([n, changes]) => JSON.stringify({ ...EVENT, callId: `fz-${n}`, ...changes }));

/** Security-event input for POST /v1/events: real log lines (as they are and mutated), canonical events (mutated), junk. */
export const fuzzEventRecord: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...LOG_LINES).map((s) => Buffer.from(s, 'latin1')) },
  { weight: 4, arbitrary: mutatedLogLine.map((s) => Buffer.from(s)) },
  { weight: 3, arbitrary: mutatedEvent.map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fuzzRecord },
);

export const fuzzEventRecords = (count: number, seed: number): Buffer[] => fc.sample(fuzzEventRecord, { numRuns: count, seed });
