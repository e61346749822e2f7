import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsOf, blocksOf, DEFAULT_RULES, harness } from './harness.js';

describe('premium-rate and IRSF destinations (F4)', () => {
  it('raises a critical alert on the first call and blocks the caller at the second within 24 h', () => {
    const h = harness({ only: ['premium-destination'] });
    const first = h.feed(h.call('2026-03-02T10:00:00-03:00', { callee: '0900 123 4567' }));
    assert.deepEqual(
      alertsOf(first).map((a) => a.severity),
      ['critical'],
    );
    assert.equal(blocksOf(first).length, 0);
    const second = h.feed(h.call('2026-03-02T20:00:00-03:00', { callee: '09007654321' }));
    assert.deepEqual(
      blocksOf(second).map((b) => b.subject),
      [{ kind: 'caller', value: '+551130001000' }],
    );
  });

  it('does not block a second call more than 24 h later', () => {
    const h = harness({ only: ['premium-destination'] });
    h.feed(h.call('2026-03-02T10:00:00-03:00', { callee: '09001234567' }));
    const later = h.feed(h.call('2026-03-03T10:00:01-03:00', { callee: '09001234567' }));
    assert.equal(blocksOf(later).length, 0);
    assert.equal(alertsOf(later).length, 1);
  });

  it('recognises 0500, +979, satellite networks, NANP 900 and the curated IRSF prefixes', () => {
    for (const callee of ['05001234567', '+979123456789', '+8816000000', '+870773123456', '+19002123456', '+2917125055', '+18095550123']) {
      const h = harness({ only: ['premium-destination'] });
      assert.equal(alertsOf(h.feed(h.call('2026-03-02T10:00:00-03:00', { callee }))).length, 1, callee);
    }
  });

  it('leaves ordinary destinations alone (0800, Lisbon, São Paulo mobiles)', () => {
    const h = harness({ only: ['premium-destination'] });
    for (const callee of ['0800123456', '+351213000000', '11961234567']) assert.deepEqual(h.feed(h.call('2026-03-02T10:00:00-03:00', { callee })), []);
  });

  it('every prefix-list row names its source', () => {
    assert.ok(DEFAULT_RULES.prefixEntries.length > 40);
    for (const e of DEFAULT_RULES.prefixEntries) assert.ok(e.source.length > 10, `${e.list}: ${e.prefix}`);
  });
});
