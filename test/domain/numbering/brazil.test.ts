import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Normaliser, type NumberResult } from '../../../src/domain/numbering/normaliser.js';
import type { DialPlan, NormalisedNumber } from '../../../src/domain/numbering/types.js';
import { numberingCsv } from './fixtures.js';

/** Brazilian dialling forms (../shared/data/brazil/brazil_dialing_facts.md). */
const sp: DialPlan = { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' };
const spWithOutsideLine: DialPlan = { ...sp, outsideLinePrefix: '0' };
const normaliser = new Normaliser();

function number(result: NumberResult): NormalisedNumber {
  assert.ok(result.ok, result.ok ? '' : `${result.error.code}: ${result.error.message}`);
  return result.number;
}
const n = (dialled: string, plan: DialPlan = sp) => number(normaliser.normalise(dialled, plan));

describe('Brazilian dialling forms', () => {
  const cases: [string, string, Partial<NormalisedNumber>][] = [
    [
      'national long distance 0 + CSP + DDD + mobile',
      '0 21 11 96123-4567',
      { e164: '+5511961234567', form: 'national-csp', csp: '21', type: 'MOBILE', international: false },
    ],
    ['national long distance 0 + CSP + DDD + landline', '0152155555555', { e164: '+552155555555', form: 'national-csp', csp: '15', type: 'FIXED_LINE' }],
    ['DDD + number as trunks accept it', '(21) 5555-5555', { e164: '+552155555555', form: 'national', csp: null }],
    ['0 + DDD + number without CSP', '02155555555', { e164: '+552155555555', form: 'national' }],
    ['local 8-digit landline completed with the default DDD', '3000-1000', { e164: '+551130001000', form: 'local', type: 'FIXED_LINE' }],
    ['local 9-digit mobile completed with the default DDD', '96123-4567', { e164: '+5511961234567', form: 'local', type: 'MOBILE' }],
    ['international 00 + CSP + country code', '00 23 1 777 555 0111', { e164: '+17775550111', form: 'international', csp: '23', international: true }],
    ['international to the UK via Embratel', '0021442079460000', { e164: '+442079460000', region: 'GB', international: true, csp: '21' }],
    ['international without a CSP (trunks that take 00 + CC)', '00442079460000', { e164: '+442079460000', csp: null, international: true }],
    ['E.164 with +', '+55 11 96123-4567', { e164: '+5511961234567', form: 'e164', international: false }],
    ['55 + DDD + number without +', '5511961234567', { e164: '+5511961234567', form: 'country-code' }],
    ['long-distance collect 90 + CSP + DDD + number', '90 21 11 3000 1000', { e164: '+551130001000', form: 'collect', csp: '21' }],
    ['local collect 9090 + number', '9090 3000 1000', { e164: '+551130001000', form: 'collect' }],
    ['0800 toll free', '0800 123 4567', { e164: '+558001234567', form: 'non-geographic', type: 'TOLL_FREE', international: false }],
    ['0300 shared cost', '0300 123 4567', { e164: '+553001234567', type: 'SHARED_COST' }],
    ['0303 televoting', '0303 123 4567', { e164: '+553031234567', form: 'non-geographic' }],
    ['0500 premium (donations)', '0500 123 4567', { e164: '+555001234567', type: 'PREMIUM_RATE' }],
    ['0900 premium', '0900 123 4567', { e164: '+559001234567', type: 'PREMIUM_RATE' }],
    ['4004 nationwide, no DDD', '4004-1234', { e164: '+5540041234', type: 'SHARED_COST', form: 'non-geographic' }],
    ['3003 nationwide, no DDD', '3003-1234', { e164: '+5530031234', type: 'SHARED_COST' }],
    ['4020 nationwide', '4020-1234', { e164: '+5540201234', type: 'SHARED_COST' }],
    ['utility short code 102 (directory)', '102', { e164: null, type: 'SHORT_CODE', emergency: false, international: false }],
    ['PBX extension', '2001', { e164: null, type: 'EXTENSION', form: 'extension', international: false }],
    ['PBX feature code', '*97', { e164: null, type: 'FEATURE_CODE' }],
    ['SIP URI user part', 'sip:+5511961234567@pbx.example.com;user=phone', { e164: '+5511961234567' }],
    ['satellite Inmarsat +870 is international, non-geographic', '0021870773111632', { countryCode: '870', region: '001', international: true }],
    [
      'Eritrea mobile from a wholesale feed (E.164 without +)',
      '2917125055',
      { e164: '+2917125055', region: 'ER', type: 'MOBILE', international: true, form: 'country-code' },
    ],
  ];
  for (const [name, dialled, expected] of cases) {
    it(`${name}: ${dialled}`, () => {
      const result = n(dialled);
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(result[key as keyof NormalisedNumber], value, `${key} of ${dialled}`);
      }
    });
  }

  it('DDD 55 + 9-digit mobile (11 digits) is national, 55 + DDD + number (13 digits) is the country code', () => {
    assert.equal(n('55961234567').e164, '+5555961234567');
    assert.equal(n('55961234567').form, 'national');
    assert.equal(n('5555961234567').form, 'country-code');
  });

  it('every emergency number is emergency, never international, with or without the outside-line digit', () => {
    for (const dialled of ['190', '192', '193', '112', '911', '128', '191', '194', '197', '198', '199', '100', '180']) {
      for (const [plan, text] of [
        [sp, dialled],
        [spWithOutsideLine, dialled],
        [spWithOutsideLine, `0${dialled}`],
      ] as const) {
        const result = number(normaliser.normalise(text, plan));
        assert.equal(result.emergency, true, `${text} is emergency`);
        assert.equal(result.type, 'EMERGENCY');
        assert.equal(result.international, false);
      }
    }
  });

  it('strips the PBX outside-line digit before reading the national and international forms', () => {
    assert.equal(number(normaliser.normalise('0 0 21 11 96123 4567', spWithOutsideLine)).e164, '+5511961234567');
    assert.equal(number(normaliser.normalise('0 00 21 44 20 7946 0000', spWithOutsideLine)).e164, '+442079460000');
    assert.equal(number(normaliser.normalise('0 3000 1000', spWithOutsideLine)).e164, '+551130001000');
    // the caller side is never prefixed with the outside-line digit
    assert.equal(number(normaliser.normalise('02155555555', spWithOutsideLine, 'caller')).e164, '+552155555555');
  });

  it('every DDD in the Brazilian area-code list reads as national landline and mobile', () => {
    const ddds = numberingCsv<{ ddd: string }>('brazil_ddd_area_codes.csv');
    assert.equal(ddds.length, 67);
    for (const { ddd } of ddds) {
      assert.equal(n(`${ddd}32345678`).type, 'FIXED_LINE', `DDD ${ddd} landline`);
      assert.equal(n(`${ddd}987654321`).type, 'MOBILE', `DDD ${ddd} mobile`);
      assert.equal(n(`0 41 ${ddd} 98765 4321`).e164, `+55${ddd}987654321`, `DDD ${ddd} via CSP 41`);
    }
  });

  it('every carrier selection code works for national and international calls', () => {
    for (const { csp } of numberingCsv<{ csp: string }>('brazil_csp_carrier_selection_codes.csv')) {
      const national = n(`0${csp}1130001000`);
      assert.deepEqual([national.e164, national.csp], ['+551130001000', csp], `0+${csp}`);
      const international = n(`00${csp}442079460000`);
      assert.deepEqual([international.e164, international.csp, international.international], ['+442079460000', csp, true], `00+${csp}`);
    }
  });

  it('a local number without any default DDD is an error that says so, not a foreign number', () => {
    const result = normaliser.normalise('961234567', { homeCountry: 'BR', internationalPrefix: '00' });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error.code === 'NUMBER_UNPARSEABLE' && /default DDD/.test(result.error.message));
  });

  it('rejects what no dialler sends, with a code', () => {
    const codes = ['', 'anonymous', '+55 11 abc', '1'.repeat(30), '+1234567890123456'].map((s) => {
      const r = normaliser.normalise(s, sp);
      return r.ok ? 'ok' : r.error.code;
    });
    assert.deepEqual(codes, ['NUMBER_EMPTY', 'NUMBER_INVALID_CHARS', 'NUMBER_INVALID_CHARS', 'NUMBER_TOO_LONG', 'NUMBER_TOO_LONG']);
  });
});
