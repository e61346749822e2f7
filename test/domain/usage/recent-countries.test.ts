import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forgetCountries, isRecentCountry, RECENT_COUNTRY_MS, rememberCountry } from '../../../src/domain/usage/recent-countries.js';

const T0 = Date.parse('2026-03-02T22:00:00Z');

describe('recent countries of an account (novelty recentCountry)', () => {
  it('a country stays recent for a day after its first call, a late earlier call moving its start back', () => {
    let recent = rememberCountry(undefined, 'GN', T0);
    assert.equal(isRecentCountry(recent, 'GN', T0 + 3_600_000), true);
    assert.equal(isRecentCountry(recent, 'GN', T0 + RECENT_COUNTRY_MS), false);
    assert.equal(isRecentCountry(recent, 'SL', T0), false);
    recent = rememberCountry(recent, 'GN', T0 - 3_600_000);
    assert.equal(isRecentCountry(recent, 'GN', T0 + RECENT_COUNTRY_MS - 1), false);
    assert.equal(isRecentCountry(undefined, 'GN', T0), false);
  });

  it('keeps at most 8 countries, newest first, and forgets those older than the horizon', () => {
    let recent: (string | number)[] | undefined;
    for (let i = 0; i < 10; i++) recent = rememberCountry(recent, `C${i}`, T0 + i * 60_000);
    assert.equal(recent?.length, 16);
    assert.equal(isRecentCountry(recent, 'C0', T0 + 600_000), false, 'the oldest went first');
    assert.equal(isRecentCountry(recent, 'C9', T0 + 600_000), true);
    recent = forgetCountries(recent, T0 + 5 * 60_000);
    assert.deepEqual(recent, ['C9', T0 + 540_000, 'C8', T0 + 480_000, 'C7', T0 + 420_000, 'C6', T0 + 360_000]);
    assert.equal(forgetCountries(recent, T0 + RECENT_COUNTRY_MS), undefined);
  });
});
