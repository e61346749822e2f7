import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeCdrJson, decodeJsonValue, parseCdr, type CdrResult, type JsonLimits } from '../../../src/domain/cdr/parse.js';

/**
 * decodeCdrJson skips the hostile-structure walk for a CDR in the common shape: it must accept and refuse exactly
 * what the full path (structure walk, then the contract) does, with the same error and the same CDR.
 */
const fullPath = (text: string, limits: JsonLimits): CdrResult => {
  const decoded = decodeJsonValue(text, limits);
  return decoded.ok ? parseCdr(decoded.value, true) : decoded;
};

const plain = (r: CdrResult) =>
  r.ok ? { ok: true, cdr: Object.entries(r.cdr) } : { ok: false, code: r.error.code, message: r.error.message, details: r.error.details };

const valid = {
  id: 'bench-1',
  callId: 'call-1',
  tenant: 't0',
  account: 'acct1',
  caller: '+5511300010001',
  callee: '0021441632960000',
  srcIp: '10.0.0.1',
  startedAt: '2026-03-01T10:00:00-03:00',
  answeredAt: null as string | null,
  endedAt: '2026-03-01T10:00:03-03:00',
  durationSec: 3,
  billSec: 0,
  disposition: 'NO ANSWER',
  direction: 'outbound',
  cost: 0.5,
  currency: 'BRL',
  trunk: 'PJSIP/embratel',
  userAgent: 'Asterisk PBX 20.5.0',
};
const KEYS = Object.keys(valid);
const HOSTILE = ['__proto__', 'constructor', 'prototype'];

/** A nested value `depth` levels deep (objects or arrays), its innermost key possibly hostile. */
const nested = fc.tuple(fc.integer({ min: 0, max: 10 }), fc.boolean(), fc.constantFrom('x', ...HOSTILE)).map(([depth, arrays, inner]) => {
  let v: unknown = { [inner]: 1 };
  for (let i = 0; i < depth; i++) v = arrays && i % 2 === 0 ? [v] : { k: v };
  return v;
});

/** CDR texts: mostly valid ones in shape order, some shuffled, with a field dropped, a value wrong, a key hostile or unknown, a nested `extra`. */
/** Null (leave the CDR alone) most of the time. */
const rare = <T>(arb: fc.Arbitrary<T>, weight = 4) => fc.oneof({ weight, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const text = fc
  .record({
    drop: rare(fc.constantFrom(...KEYS)),
    wrong: rare(fc.tuple(fc.constantFrom(...KEYS), fc.jsonValue({ maxDepth: 3 }))),
    extraKey: rare(fc.constantFrom('extra', 'srcIP', ...HOSTILE), 2),
    extraValue: fc.oneof(nested, fc.jsonValue({ maxDepth: 4 })),
    shuffle: fc.integer({ min: 0, max: 6 }),
    root: rare(fc.jsonValue({ maxDepth: 2 }), 20),
    broken: fc.integer({ min: 0, max: 40 }),
  })
  .map(({ drop, wrong, extraKey, extraValue, shuffle, root, broken }) => {
    if (root !== null) return JSON.stringify(root) ?? 'null';
    const entries: [string, unknown][] = Object.entries(valid).filter(([k]) => k !== drop);
    if (wrong) entries.push([wrong[0], wrong[1]]);
    // a placeholder key, replaced in the text: an object literal cannot hold an own __proto__ key
    if (extraKey !== null) entries.push([`@@${extraKey}`, extraValue]);
    if (shuffle === 0) entries.reverse();
    const ordered: Record<string, unknown> = {};
    for (const [k, v] of entries) ordered[k] = v;
    let json = JSON.stringify(ordered)
      .replace(/"@@([^"]+)"/, '"$1"')
      .replace(/"k":\{"x"/, '"k":{"__proto__"');
    if (broken === 0) json = json.slice(0, -1);
    return json;
  });

const limits = fc.record({
  maxBytes: fc.oneof({ weight: 9, arbitrary: fc.constant(64 * 1024) }, { weight: 1, arbitrary: fc.constant(200) }),
  maxDepth: fc.oneof({ weight: 6, arbitrary: fc.constant(8) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, 3) }),
});

describe('decodeCdrJson', () => {
  it('refuses exactly what the structure walk and the contract refuse, with the same error, and accepts the same CDR', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(text, limits, (json, lim) => {
        const fast = decodeCdrJson(json, lim);
        assert.deepEqual(plain(fast), plain(fullPath(json, lim)), json);
        if (fast.ok) accepted++;
        else refused++;
      }),
      { numRuns: 30_000 },
    );
    // both sides are exercised (else the property would prove little)
    assert.ok(accepted > 1000 && refused > 1000, `accepted ${accepted}, refused ${refused}`);
  });

  it('refuses hostile keys and nesting wherever they are, and every object under a depth limit of 0', () => {
    const line = JSON.stringify(valid);
    assert.equal(decodeCdrJson(line).ok, true);
    const flat = decodeCdrJson(line, { maxBytes: 64 * 1024, maxDepth: 0 });
    assert.equal(flat.ok ? 'ok' : flat.error.code, 'CDR_TOO_DEEP');
    for (const key of HOSTILE) {
      const top = decodeCdrJson(line.replace('{"id"', `{"${key}":1,"id"`));
      assert.equal(top.ok ? 'ok' : top.error.code, 'CDR_INVALID');
      assert.match(top.ok ? '' : top.error.message, new RegExp(`key "${key}"`));
    }
    const deep = decodeCdrJson(line.replace('}', ',"extra":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}}}'));
    assert.equal(deep.ok ? 'ok' : deep.error.code, 'CDR_TOO_DEEP');
  });
});
