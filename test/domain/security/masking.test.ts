import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskEventUser, maskNumber } from '../../../src/domain/security/masking.js';

describe('A13 masking', () => {
  it('hides every digit of a caller number but the last two', () => {
    assert.equal(maskNumber('+55 11 3000-6666'), '+** ** ****-**66');
  });

  it("masks a security event's SIP user like a caller number, and its copies in the PBX's line (issue 18)", () => {
    const e = { user: '1001', raw: 'REGISTER sip:1001@pbx from 203.0.113.7: wrong password for 1001', srcIp: '203.0.113.7' };
    assert.deepEqual(maskEventUser(e), { user: '**01', raw: 'REGISTER sip:**01@pbx from 203.0.113.7: wrong password for **01', srcIp: '203.0.113.7' });
    const named = { user: 'admin', raw: 'unknown user admin' };
    assert.equal(maskEventUser(named), named, 'a name without digits is not a number: shown as it is');
  });
});
