import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyE164, PrefixClassifier } from '../../../src/domain/numbering/classify.js';
import { Normaliser } from '../../../src/domain/numbering/normaliser.js';
import type { DialPlan } from '../../../src/domain/numbering/types.js';
import { numberingCsv } from './fixtures.js';

const sp: DialPlan = { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' };

describe('international numbers and number types (F4)', () => {
  const normaliser = new Normaliser();

  it('recognises the premium-rate example of every territory, dialled from Brazil with 00 + CSP', () => {
    const rows = numberingCsv<{ region: string; e164_example: string }>('libphonenumber_premium_rate_patterns.csv').filter((r) => r.e164_example);
    assert.ok(rows.length > 140);
    for (const row of rows) {
      const result = normaliser.normalise(`0021${row.e164_example.slice(1)}`, sp);
      assert.ok(result.ok, row.e164_example);
      assert.equal(result.number.type, 'PREMIUM_RATE', `${row.region} ${row.e164_example}`);
      assert.equal(result.number.international, row.region !== 'BR', `${row.region} international`);
    }
  });

  it('marks the non-geographic networks (+870 +881 +882 +883 +979 ...) as international, region 001', () => {
    for (const { country_code } of numberingCsv<{ country_code: string }>('libphonenumber_non_geographic_codes.csv')) {
      const result = normaliser.normalise(`+${country_code}12345678`, sp);
      assert.ok(result.ok, country_code);
      assert.deepEqual([result.number.countryCode, result.number.region, result.number.international], [country_code, '001', true]);
    }
  });

  it('knows the calling code of every ITU country listed', () => {
    const rows = numberingCsv<{ dial_code: string; iso3166_alpha2: string }>('country_calling_codes.csv').filter((r) => /^\d+$/.test(r.dial_code));
    assert.ok(rows.length > 200);
    for (const row of rows) {
      const c = classifyE164(`+${row.dial_code}123456789`);
      assert.equal(c.countryCode, row.dial_code.slice(0, c.countryCode?.length ?? 0), `+${row.dial_code} (${row.iso3166_alpha2})`);
    }
  });

  it('other home countries use their international prefix and national format (US: 011)', () => {
    const us: DialPlan = { homeCountry: 'US', internationalPrefix: '011' };
    const abroad = normaliser.normalise('011 44 20 7946 0000', us);
    assert.ok(abroad.ok);
    assert.deepEqual([abroad.number.e164, abroad.number.international, abroad.number.form], ['+442079460000', true, 'international']);
    const national = normaliser.normalise('(201) 555-0123', us);
    assert.ok(national.ok);
    assert.deepEqual([national.number.e164, national.number.international], ['+12015550123', false]);
    const jamaica = normaliser.normalise('1 876 555 1234', us);
    assert.ok(jamaica.ok);
    assert.equal(jamaica.number.international, true, 'NANP Caribbean is international from the US');
    const premium = normaliser.normalise('1 900 555 1234', us);
    assert.ok(premium.ok && premium.number.type === 'PREMIUM_RATE');
    const emergency = normaliser.normalise('911', us);
    assert.ok(emergency.ok && emergency.number.emergency);
  });
});

describe('prefix cache', () => {
  it('gives exactly what uncached libphonenumber gives, for numbers near every premium example and random ones (property)', () => {
    const classifier = new PrefixClassifier();
    const seeds = numberingCsv<{ e164_example: string }>('libphonenumber_premium_rate_patterns.csv')
      .map((r) => r.e164_example)
      .filter(Boolean);
    const nearSeed = fc
      .tuple(
        fc.constantFrom(...seeds, '+5511961234567', '+551130001000', '+2917125055', '+12015550123', '+442079460000'),
        fc.nat(9999),
        fc.integer({ min: -1, max: 1 }),
      )
      .map(([seed, tail, lengthDelta]) => {
        const digits = `${seed.slice(0, -4)}${String(tail).padStart(4, '0')}`;
        return lengthDelta < 0 ? digits.slice(0, -1) : lengthDelta > 0 ? `${digits}7` : digits;
      });
    const random = fc.stringMatching(/^\+[1-9]\d{6,14}$/);
    fc.assert(
      fc.property(fc.oneof(nearSeed, random), (e164) => {
        // earlier runs filled the cache with neighbours sharing the prefix: a hit here is a different number
        assert.deepEqual(classifier.classify(e164), classifyE164(e164), e164);
      }),
      { numRuns: 20_000 },
    );
    assert.ok(classifier.stats().hits > 1_000, `cache hits ${classifier.stats().hits}`);
  });

  it('is exact for Brazilian numbers at the shallower Brazilian depth (property)', () => {
    const classifier = new PrefixClassifier();
    const ddds = numberingCsv<{ ddd: string }>('brazil_ddd_area_codes.csv').map((r) => r.ddd);
    const national = fc.oneof(
      fc.tuple(fc.constantFrom(...ddds), fc.stringMatching(/^\d{8,9}$/)).map(([ddd, rest]) => `${ddd}${rest}`),
      fc.stringMatching(/^(?:[3-5]00|800|900|40[0-9]|402|437|486|300)\d{4,7}$/),
      fc.stringMatching(/^\d{7,11}$/),
      // numbers behind a national prefix libphonenumber strips (0 or 90, optionally a carrier code)
      fc.stringMatching(/^(?:0|90)(?:1[245]|2[1-35]|31|4[13]|[56]5|99)?(?:[3-5]00|800|900|40[0-9]|437|486|300|[1-9][1-9]9?)\d{4,8}$/),
    );
    // found by this property: +55 90 4864 0000 is shared cost while +55 90 48 1… is not
    assert.deepEqual(classifier.classify('+559048100000'), classifyE164('+559048100000'));
    assert.deepEqual(classifier.classify('+559048640000'), classifyE164('+559048640000'));
    fc.assert(
      fc.property(national, (nsn) => {
        assert.deepEqual(classifier.classify(`+55${nsn}`), classifyE164(`+55${nsn}`), `+55${nsn}`);
      }),
      { numRuns: 30_000 },
    );
    assert.ok(classifier.stats().hits > 10_000, `cache hits ${classifier.stats().hits}`);
  });

  it('answers a number after a + 0 (no country code starts with 0) as libphonenumber does, without filling the cache (property)', async () => {
    // what the normaliser asks when a national number 0 + DDD ... is tried as bare E.164: it was a cache miss and a
    // libphonenumber ParseError every time (bench:pipeline's profile, issue 19)
    const { parsePhoneNumberFromString } = await import('libphonenumber-js/max');
    const classifier = new PrefixClassifier();
    fc.assert(
      fc.property(fc.stringMatching(/^\+0\d{6,14}$/), (e164) => {
        assert.equal(parsePhoneNumberFromString(e164), undefined, e164);
        assert.deepEqual(classifier.classify(e164), { countryCode: null, region: null, type: 'UNKNOWN', valid: false });
        assert.deepEqual(classifyE164(e164), classifier.classify(e164));
      }),
      { numRuns: 2_000 },
    );
    assert.equal(classifier.stats().size, 0);
  });

  it('stays bounded', () => {
    const classifier = new PrefixClassifier(1000);
    for (let i = 0; i < 5000; i++) classifier.classify(`+4420${String(i).padStart(5, '0')}000`);
    assert.ok(classifier.stats().size <= 1000);
  });
});
