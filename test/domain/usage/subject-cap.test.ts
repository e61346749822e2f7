import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { makeRoom } from '../../../src/domain/usage/subject-cap.js';
import { callerSite, minuteOf, touch, type CallerSite } from '../../../src/domain/usage/subjects.js';
import { harness } from '../engine/harness.js';

const T0 = Date.parse('2026-04-16T10:00:00-03:00');
const MIN = 60_000;

/** A caller first seen at `first` and again at each of `again` (ms after T0). */
function seen(first: number, ...again: number[]): CallerSite {
  const site = callerSite(T0 + first, minuteOf(T0 + first), []);
  for (const t of again) touch(site, T0 + t);
  return site;
}

/** Inserts as the usage book does: a full map makes room first. */
function admit(map: Map<string, CallerSite>, cap: number, key: string, site: CallerSite): void {
  if (!map.has(key) && map.size >= cap) makeRoom(map, cap);
  map.set(key, site);
}

describe('usage profiles stay bounded under spoofed subjects', () => {
  it('a flood of one-call subjects never grows the map past its cap and leaves the established subjects', () => {
    const cap = 100;
    const map = new Map<string, CallerSite>();
    for (let i = 0; i < 50; i++) admit(map, cap, `real-${i}`, seen(0, 5 * MIN, 3 * 86_400_000));
    for (let i = 0; i < 5_000; i++) {
      admit(map, cap, `spoofed-${i}`, seen(4 * 86_400_000 + i * 10));
      assert.ok(map.size <= cap);
    }
    for (let i = 0; i < 50; i++) assert.ok(map.has(`real-${i}`), `real-${i} kept`);
  });

  it('with no one-call subject to drop, those idle the longest go, a tenth of the cap at once', () => {
    const map = new Map<string, CallerSite>();
    // inserted newest-idle first: eviction follows idleness, not insertion order
    for (let i = 99; i >= 0; i--) map.set(`c${i}`, seen(0, (i + 1) * MIN));
    makeRoom(map, 100);
    assert.equal(map.size, 90);
    for (let i = 0; i < 100; i++) assert.equal(map.has(`c${i}`), i >= 10, `c${i}`);
  });

  it('property: making room frees a tenth, one-call subjects before any other, then the longest idle', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ first: fc.integer({ min: 0, max: 500 }), span: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 })) }), {
          minLength: 10,
          maxLength: 300,
        }),
        (subjects) => {
          const map = new Map<string, CallerSite>();
          subjects.forEach(({ first, span }, i) => map.set(`k${i}`, span === 0 ? seen(first * MIN) : seen(first * MIN, (first + span) * MIN)));
          const before = new Map(map);
          const cap = map.size;
          const dropped = makeRoom(map, cap);
          assert.equal(map.size, cap - Math.max(1, Math.floor(cap / 10)));
          assert.equal(dropped, cap - map.size);
          const removed = [...before].filter(([k]) => !map.has(k)).map(([, s]) => s);
          const kept = [...map.values()];
          const oneCall = (s: CallerSite) => s.firstMinute === s.lastMinute;
          if (removed.some((s) => !oneCall(s))) assert.ok(!kept.some(oneCall), 'a one-call subject outlived another');
          const idlest = Math.min(...kept.filter((s) => !oneCall(s)).map((s) => s.lastMinute));
          for (const s of removed) if (!oneCall(s)) assert.ok(s.lastMinute <= idlest, 'a subject less idle than a kept one was dropped');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the engine keeps at most maxUsageSubjects of each kind', () => {
    const h = harness({ only: ['velocity-ip'], maxUsageSubjects: 40 });
    for (let i = 0; i < 400; i++)
      h.process(h.call(new Date(T0 + i * 1_000).toISOString(), { caller: `+55113${String(1_000_000 + i)}`, srcIp: `10.0.${i >> 8}.${i & 255}` }));
    assert.ok(h.engine.usageSubjects.held <= 3 * 40, `${h.engine.usageSubjects.held} subjects`);
    assert.ok(h.engine.usageSubjects.held > 40, 'still learning');
    // 400 callers and 400 IPs through a cap of 40 a kind: all but the 36-40 left after the last room made were dropped
    const { dropped } = h.engine.usageSubjects;
    for (const kind of ['caller', 'ip'] as const) assert.ok(dropped[kind] >= 400 - 40 && dropped[kind] <= 400 - 36, `${kind}: ${dropped[kind]} dropped`);
    assert.equal(dropped.account, 0);
  });
});
