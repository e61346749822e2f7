import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeCdrJson, parseCdr, type CdrResult } from '../../../src/domain/cdr/parse.js';
import type { CdrInput } from '../../../src/domain/cdr/contract.js';

const fixture = readFileSync(new URL('../../fixtures/canonical/asterisk_cdr_custom_kelysaina.ndjson', import.meta.url), 'utf8')
  .trim()
  .split('\n');

const valid: CdrInput = {
  id: '1690325492.2',
  tenant: 'acme',
  account: 'acme-sp',
  caller: '+551130001000',
  callee: '0021441632960000',
  srcIp: '203.0.113.9',
  startedAt: '2026-03-01T10:00:00-03:00',
  answeredAt: '2026-03-01T10:00:10-03:00',
  endedAt: '2026-03-01T10:01:10-03:00',
  durationSec: 70,
  billSec: 60,
  disposition: 'ANSWERED',
  direction: 'outbound',
  cost: 1.25,
  currency: 'BRL',
  trunk: 'PJSIP/embratel',
  userAgent: 'Asterisk PBX 20.5.0',
};

function problem(result: CdrResult): { code: string; path: unknown; message: string } {
  assert.equal(result.ok, false, 'expected a rejection');
  if (result.ok) throw new Error('unreachable');
  return { code: result.error.code, path: result.error.details.path, message: result.error.message };
}

describe('canonical CDR contract', () => {
  it('accepts every CDR of the real Asterisk lab sample (fixture)', () => {
    for (const [i, line] of fixture.entries()) {
      const result = decodeCdrJson(line);
      assert.ok(result.ok, `line ${i + 1}: ${result.ok ? '' : result.error.message}`);
    }
  });

  it('turns timestamps into epoch ms, defaults tenant and answeredAt', () => {
    const result = parseCdr({ ...valid, tenant: undefined, answeredAt: undefined, billSec: 0, disposition: 'NO ANSWER' });
    assert.ok(result.ok);
    assert.equal(result.cdr.startedAt, Date.UTC(2026, 2, 1, 13, 0, 0));
    assert.equal(result.cdr.tenant, 'default');
    assert.equal(result.cdr.answeredAt, null);
  });

  it('accepts epoch milliseconds', () => {
    const start = Date.UTC(2026, 2, 1, 13);
    const result = parseCdr({ ...valid, startedAt: start, answeredAt: start + 10_000, endedAt: start + 70_000 });
    assert.ok(result.ok);
    assert.equal(result.cdr.endedAt, start + 70_000);
  });

  const rejections: [string, Record<string, unknown>, string, RegExp][] = [
    ['unknown disposition', { disposition: 'ANSWER' }, 'disposition', /must be one of ANSWERED/],
    ['negative duration', { durationSec: -1 }, 'durationSec', /must not be negative/],
    ['fractional duration', { durationSec: 70.5 }, 'durationSec', /whole seconds/],
    ['duration disagreeing with the timestamps', { durationSec: 300 }, 'durationSec', /endedAt - startedAt is 70 s/],
    ['endedAt before startedAt', { endedAt: '2026-03-01T09:59:00-03:00' }, 'endedAt', /before startedAt/],
    ['billSec longer than durationSec', { billSec: 80 }, 'billSec', /longer than durationSec/],
    ['answered without answeredAt', { answeredAt: null }, 'billSec', /answeredAt is null/],
    ['answeredAt after endedAt', { answeredAt: '2026-03-01T10:02:00-03:00' }, 'answeredAt', /outside startedAt..endedAt/],
    ['time without offset (ambiguous, A12)', { startedAt: '2026-03-01T10:00:00' }, 'startedAt', /offset/],
    ['epoch seconds instead of ms', { startedAt: 1_772_370_000 }, 'startedAt', /seconds given instead of milliseconds/],
    ['IPv4 with an octet over 255 (A9)', { srcIp: '203.0.113.256' }, 'srcIp', /IPv4 \(four decimal octets/],
    ['IPv4 with three octets (A9)', { srcIp: '10.0.1' }, 'srcIp', /IPv4/],
    ['IPv4 with leading zeros (A9)', { srcIp: '010.0.0.1' }, 'srcIp', /IPv4/],
    ['oversized caller', { caller: '1'.repeat(65) }, 'caller', /at most 64 characters/],
    ['control characters', { account: 'acme\u0000' }, 'account', /control characters/],
    ['unknown field (a typo must not silently disable the per-IP rules)', { srcIP: '203.0.113.9' }, 'srcIP', /unknown field\(s\) srcIP/],
    ['missing callee', { callee: undefined }, 'callee', /is required/],
    ['bad currency', { currency: 'real' }, 'currency', /ISO 4217/],
    ['negative cost', { cost: -0.01 }, 'cost', /must not be negative/],
    ['huge number', { cost: 1e308 }, 'cost', /<=1000000000/],
    ['too many extra keys', { extra: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) }, 'extra', /at most 32 keys/],
  ];
  for (const [name, patch, path, message] of rejections) {
    it(`rejects ${name}, naming the field`, () => {
      const p = problem(parseCdr({ ...valid, ...patch }));
      assert.equal(p.code, 'CDR_INVALID');
      assert.equal(p.path, path);
      assert.match(p.message, message);
    });
  }

  it('accepts IPv6 source addresses', () => {
    assert.ok(parseCdr({ ...valid, srcIp: '2001:db8::9' }).ok);
  });
});

describe('decodeCdrJson on hostile bytes', () => {
  const json = JSON.stringify(valid);

  it('rejects oversized payloads before parsing them', () => {
    assert.equal(problem(decodeCdrJson(' '.repeat(70_000) + json)).code, 'CDR_TOO_LARGE');
  });
  it('rejects invalid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from(json.slice(0, 20)), Buffer.from([0xc3, 0x28]), Buffer.from(json.slice(20))]);
    assert.equal(problem(decodeCdrJson(bytes)).code, 'CDR_BAD_ENCODING');
  });
  it('rejects ISO-8859-1 bytes (as the real dj-asterisk-cdr sample has)', () => {
    const latin1 = Buffer.from(JSON.stringify({ ...valid, caller: 'Jos\u00e9' }), 'latin1');
    assert.equal(problem(decodeCdrJson(latin1)).code, 'CDR_BAD_ENCODING');
  });
  it('rejects malformed JSON', () => {
    assert.equal(problem(decodeCdrJson(json.slice(0, -1))).code, 'CDR_NOT_JSON');
  });
  it('rejects deep nesting without recursing', () => {
    const deep = `{"extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    assert.equal(problem(decodeCdrJson(deep, { maxBytes: 1e6, maxDepth: 8 })).code, 'CDR_TOO_DEEP');
  });
  it('rejects prototype-pollution keys anywhere, and leaves Object.prototype alone', () => {
    const p = problem(decodeCdrJson(json.replace('{', '{"extra":{"__proto__":{"polluted":true}},')));
    assert.equal(p.path, 'extra.__proto__');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(problem(decodeCdrJson(json.replace('{', '{"constructor":{"prototype":{}},'))).path, 'constructor');
  });
  it('rejects JSON that is not an object', () => {
    for (const text of ['null', '42', '"cdr"', '[]']) assert.equal(problem(decodeCdrJson(text)).code, 'CDR_INVALID');
  });

  it('never throws and always returns a coded result, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.json().map((s) => Buffer.from(s)),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ ...valid, extra: v }) ?? '')),
        ),
        (bytes) => {
          const result = decodeCdrJson(bytes);
          if (!result.ok) assert.match(result.error.code, /^CDR_/);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on objects that mutate valid CDR fields to arbitrary values (property)', () => {
    const keys = Object.keys(valid);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.anything(), (key, value) => {
        const result = parseCdr({ ...valid, [key]: value });
        if (!result.ok) assert.equal(result.error.details.path !== undefined, true);
      }),
      { numRuns: 2000 },
    );
  });
});
