import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextLocalMonthStart } from '../../../src/domain/calendar/local-time.js';

describe('nextLocalMonthStart (money caps: a month over its cap is blocked to its end)', () => {
  it("is the 1st of the next local month at local midnight, in the account's zone, across years and offsets", () => {
    assert.equal(nextLocalMonthStart(Date.parse('2026-03-04T13:00:00-03:00'), 'America/Sao_Paulo'), Date.parse('2026-04-01T00:00:00-03:00'));
    // 31 March 23:30 in São Paulo is already April in UTC: the local month decides
    assert.equal(nextLocalMonthStart(Date.parse('2026-03-31T23:30:00-03:00'), 'America/Sao_Paulo'), Date.parse('2026-04-01T00:00:00-03:00'));
    assert.equal(nextLocalMonthStart(Date.parse('2026-12-15T10:00:00-03:00'), 'America/Sao_Paulo'), Date.parse('2027-01-01T00:00:00-03:00'));
    // a zone with daylight saving: Lisbon is UTC+1 in April
    assert.equal(nextLocalMonthStart(Date.parse('2026-03-20T10:00:00Z'), 'Europe/Lisbon'), Date.parse('2026-04-01T00:00:00+01:00'));
  });
});
