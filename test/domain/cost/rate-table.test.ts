import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadRuleFiles } from '../../../src/adapters/files/rule-files.js';
import { RateTable, type RateEntry } from '../../../src/domain/cost/rate-table.js';
import { pinned } from '../../rig/property.js';

const SHIPPED = new RateTable(loadRuleFiles('rules').rateEntries);
const row = (prefix: string, rateClass: RateEntry['rateClass'], brlPerMinute: number): RateEntry => ({
  prefix,
  rateClass,
  name: prefix,
  brlPerMinute,
  source: 'test',
});

describe('rate table (rules/rates.csv, issue 16 cost exposure)', () => {
  it('prices the shipped defaults: Brazilian fixed and mobile, a country, premium, an IRSF range, and unknown ranges at the invalid default', () => {
    assert.equal(SHIPPED.lookup('+551130001000', 'FIXED_LINE').rateClass, 'national-fixed');
    assert.equal(SHIPPED.lookup('+5511961234567', 'MOBILE').rateClass, 'national-mobile');
    assert.equal(SHIPPED.lookup('+558001234567', 'TOLL_FREE').brlPerMinute, 0);
    assert.equal(SHIPPED.lookup('+559001234567', 'PREMIUM_RATE').rateClass, 'premium');
    assert.equal(SHIPPED.lookup('+351213000000', 'FIXED_LINE').name, 'Portugal');
    assert.equal(SHIPPED.lookup('+12125550100', 'FIXED_LINE_OR_MOBILE').name, 'United States / Canada');
    assert.equal(SHIPPED.lookup('+18765550100', 'FIXED_LINE_OR_MOBILE').name, 'Jamaica');
    assert.equal(SHIPPED.lookup('+2917125055', 'MOBILE').rateClass, 'irsf');
    assert.equal(SHIPPED.lookup('+2911125055', 'FIXED_LINE').rateClass, 'country');
    assert.equal(SHIPPED.lookup('+9991234567', 'UNKNOWN'), SHIPPED.invalid);
    assert.ok(SHIPPED.invalid.brlPerMinute >= SHIPPED.lookup('+2917125055', 'MOBILE').brlPerMinute);
  });

  it('every shipped row names its source and an IRSF or premium row costs more than the country it sits in', () => {
    const entries = loadRuleFiles('rules').rateEntries;
    for (const e of entries) assert.ok(e.source.length > 10, e.prefix);
    for (const e of entries.filter((x) => x.rateClass === 'irsf')) {
      const country = new RateTable(entries.filter((x) => x.rateClass === 'country')).lookup(e.prefix, 'MOBILE');
      assert.ok(e.brlPerMinute >= country.brlPerMinute, `${e.prefix} vs ${country.prefix}`);
    }
  });

  it('property: the row found is the longest prefix of the number whose class applies to its type', () => {
    const table = new RateTable([
      row('55', 'national-fixed', 0.25),
      row('55', 'national-mobile', 0.23),
      row('559', 'premium', 4),
      row('2', 'country', 1),
      row('29', 'country', 2),
      row('2917', 'irsf', 3),
      row('*', 'invalid', 6),
    ]);
    const entries = ['55', '559', '2', '29', '2917'];
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{4,12}$/),
        fc.constantFrom<'MOBILE' | 'FIXED_LINE' | 'PREMIUM_RATE'>('MOBILE', 'FIXED_LINE', 'PREMIUM_RATE'),
        (digits, type) => {
          const found = table.lookup(`+${digits}`, type);
          const longest = entries.filter((p) => digits.startsWith(p)).sort((a, b) => b.length - a.length)[0];
          if (longest === undefined) return assert.equal(found, table.invalid);
          assert.equal(found.prefix, longest);
          if (longest === '55') assert.equal(found.rateClass, type === 'MOBILE' ? 'national-mobile' : 'national-fixed');
        },
      ),
      pinned({ numRuns: 500, seed: 16 }),
    );
  });

  it('without a * row prices unknown numbers at 0: nothing is estimated', () => {
    assert.equal(new RateTable([]).lookup('+2917125055', 'MOBILE').brlPerMinute, 0);
  });
});
