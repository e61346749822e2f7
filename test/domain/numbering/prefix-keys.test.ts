import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PrefixKeys } from '../../../src/domain/numbering/prefix-keys.js';
import { pinned } from '../../rig/property.js';

describe('PrefixKeys (integer-keyed longest-prefix tables)', () => {
  it('property: finds exactly the entries whose prefix the number starts with, at each length', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[1-9][0-9]{0,5}$/), { maxLength: 30 }),
        fc.stringMatching(/^[0-9]{1,15}$/),
        fc.boolean(),
        (prefixes, digits, plus) => {
          const keys = new PrefixKeys(prefixes.map((p, i) => [p, i] as const));
          const number = plus ? `+${digits}` : digits;
          for (let n = 1; n <= 6; n++) {
            const expected = digits.startsWith('0') || n > digits.length ? [] : prefixes.flatMap((p, i) => (p === digits.slice(0, n) ? [i] : []));
            assert.deepEqual([...(keys.at(number, n) ?? [])], expected);
          }
          assert.deepEqual(
            keys.lengths,
            [...new Set(prefixes.map((p) => p.length))].sort((a, b) => b - a),
          );
        },
      ),
      pinned({ numRuns: 300, seed: 7 }),
    );
  });

  it('holds no key for a prefix that is not all digits or starts with 0 (it matches nothing)', () => {
    const keys = new PrefixKeys([
      ['02', 'zero'],
      ['2a', 'letter'],
      ['2', 'two'],
    ]);
    assert.equal(keys.size, 1);
    assert.deepEqual(keys.at('+020000', 2), undefined);
    assert.deepEqual(keys.at('+20000', 1), ['two']);
    assert.deepEqual(keys.lengths, [1]);
  });
});
