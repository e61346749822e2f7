import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Normaliser } from '../../../src/domain/numbering/normaliser.js';
import type { DialPlan } from '../../../src/domain/numbering/types.js';
import { validityOf } from '../../../src/domain/numbering/validity.js';
import { DDDS } from '../../../src/sim/numbering.js';
import { pinned } from '../../rig/property.js';

const normaliser = new Normaliser();
const sp: DialPlan = { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' };
const validity = (dialled: string) => {
  const r = normaliser.normalise(dialled, sp, 'callee');
  return validityOf(r.ok ? r.number : null);
};

describe('number validity (issue 16, G4): libphonenumber and the Brazilian numbering plan', () => {
  it('reads assigned Brazilian fixed, mobile, toll-free and premium numbers as valid', () => {
    for (const n of ['+551130001000', '+5511961234567', '(21) 5555-5555', '0 15 21 96123-4567', '08001234567', '09001234567', '40041234']) {
      assert.equal(validity(n), 'valid', n);
    }
  });

  it('reads ranges the plan never allocated as unallocated: an area code that is none of the 67, 11 digits without the 9, retired 8-digit mobiles', () => {
    assert.equal(validity('+552055551234'), 'unallocated'); // DDD 20
    assert.equal(validity('+551181234567'), 'unallocated'); // 10 digits starting 8: a mobile before the 9th digit
    assert.equal(validity('+5511812345678'), 'unallocated'); // 11 digits without the mobile 9
  });

  it('reads unreadable and foreign invalid numbers as invalid, and extensions, short codes and emergency numbers as valid', () => {
    assert.equal(validityOf(null), 'invalid');
    assert.equal(validity("1' OR '1'='1"), 'invalid');
    assert.equal(validity('+3512'), 'invalid');
    assert.equal(validity('+351213000000'), 'valid');
    assert.equal(validity('2001'), 'valid');
    assert.equal(validity('190'), 'valid');
    assert.equal(validity('102'), 'valid');
  });

  it('property: every fixed line and mobile of the 67 DDDs is valid; the same subscriber under an unassigned DDD is not', () => {
    const unassigned = Array.from({ length: 89 }, (_, i) => String(i + 11)).filter((d) => !d.includes('0') && !(DDDS as readonly string[]).includes(d));
    fc.assert(
      fc.property(
        fc.constantFrom(...DDDS),
        fc.constantFrom(...unassigned),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 0, max: 9_999_999 }),
        (ddd, bad, first, rest) => {
          const sub = String(rest).padStart(7, '0');
          assert.equal(validity(`+55${ddd}${first}${sub}`), 'valid');
          assert.equal(validity(`+55${ddd}9${first + 4}${sub}`), 'valid');
          assert.equal(validity(`+55${bad}${first}${sub}`), 'unallocated');
        },
      ),
      pinned({ numRuns: 300, seed: 16 }),
    );
  });
});
