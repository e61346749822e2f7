import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KnownSites } from '../../../src/domain/signalling/known-sites.js';

const T0 = Date.parse('2026-03-02T12:00:00Z');
const DAY = 86_400_000;

describe('known users per site (NAT-aware signalling)', () => {
  it('knows a user at the address it was seen at, of its tenant only, within the horizon', () => {
    const known = new KnownSites(30 * DAY);
    known.learn('t1', '203.0.113.9', '2001', T0);
    assert.equal(known.knows('t1', '203.0.113.9', '2001', T0 + 30 * DAY), true);
    assert.equal(known.knows('t1', '203.0.113.9', '2001', T0 + 30 * DAY + 1), false);
    assert.equal(known.knows('t1', '203.0.113.10', '2001', T0), false);
    assert.equal(known.knows('t2', '203.0.113.9', '2001', T0), false);
    assert.equal(known.knows('t1', '203.0.113.9', undefined, T0), false);
    assert.equal(known.isSite('t1', '203.0.113.9'), true);
    assert.equal(known.isSite('t2', '203.0.113.9'), false);
  });

  it('keeps the latest time a user was seen, whatever order the calls arrive in', () => {
    const known = new KnownSites(DAY);
    const site = known.siteOf('t1', '10.0.0.1');
    site.learn('acct1', T0 + 5000);
    site.learn('acct1', T0);
    assert.equal(site.lastSeen('acct1'), T0 + 5000);
    assert.equal(known.knows('t1', '10.0.0.1', 'acct1', T0 + 5000 + DAY), true);
  });

  it('forgets users not seen within the horizon, and addresses left with none', () => {
    const known = new KnownSites(DAY);
    known.learn('t1', '10.0.0.1', 'old', T0);
    known.learn('t1', '10.0.0.1', 'recent', T0 + DAY);
    known.learn('t1', '10.0.0.2', 'gone', T0);
    known.learn('t2', '10.0.0.3', 'gone', T0);
    assert.equal(known.size, 3);
    known.trim(T0 + DAY + 1);
    assert.equal(known.size, 1);
    assert.equal(known.knows('t1', '10.0.0.1', 'old', T0 + DAY), false);
    assert.equal(known.knows('t1', '10.0.0.1', 'recent', T0 + DAY + 1), true);
    assert.equal(known.isSite('t1', '10.0.0.2'), false);
    // a user learned again after a trim is found (the site's slots were compacted)
    known.learn('t1', '10.0.0.1', 'old', T0 + 2 * DAY);
    known.learn('t1', '10.0.0.1', 'recent', T0 + 2 * DAY);
    assert.equal(known.siteOf('t1', '10.0.0.1').size, 2);
    assert.equal(known.knows('t1', '10.0.0.1', 'old', T0 + 2 * DAY), true);
  });
});
