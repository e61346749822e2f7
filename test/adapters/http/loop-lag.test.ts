import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LagGauge, lagSampleInterval, LoopLagMonitor } from '../../../src/adapters/http/loop-lag.js';

const LIMIT = 200;
const INTERVAL = lagSampleInterval(LIMIT);
/** As load shedding sets it up: a late tick counts for as long as it was late, at least the limit, at most 5 limits. */
const HOLD = { min: LIMIT, max: 5 * LIMIT };

/**
 * Drives a gauge (as load shedding sets it up) through a loop whose successive ticks run `late[i]` ms
 * late, reading the lag a request sees just before each tick runs (it waited through the same stall) and just after.
 */
function run(late: readonly number[]) {
  const g = new LagGauge(INTERVAL, 0, HOLD);
  let now = 0;
  const seen: number[] = [];
  for (const l of late) {
    now += INTERVAL + l;
    seen.push(g.lagAt(now), g.tick(now), g.lagAt(now));
  }
  return { g, seen, now };
}

const onTime = (n: number) => Array.from({ length: n }, () => 0);

describe('event-loop lag as timer lateness (fixed clock)', () => {
  it('samples every tenth of the limit, at most every 20 ms', () => {
    assert.deepEqual([10, 50, 200, 10_000].map(lagSampleInterval), [1, 5, 20, 20]);
  });

  it('reads an idle loop as 0 and a stall as exactly its length, held for the limit or as long as it lasted, never NaN or Infinity', () => {
    const { seen } = run([0, 0, 60, ...onTime(9), 1000, ...onTime(50), 0]);
    const perTick = (i: number) => seen.slice(i * 3, i * 3 + 3);
    assert.deepEqual(
      [perTick(0), perTick(1), perTick(2)],
      [
        [0, 0, 0],
        [0, 0, 0],
        [60, 60, 60],
      ],
    );
    // the 60 ms stall still counts 180 ms later, no longer 200 ms later
    assert.deepEqual(
      [perTick(11), perTick(12)],
      [
        [60, 0, 60],
        [1000, 1000, 1000],
      ],
    );
    // the 1 s stall counts for 1 s (50 ticks of 20 ms)
    assert.deepEqual(
      [perTick(62), perTick(63)],
      [
        [1000, 0, 1000],
        [0, 0, 0],
      ],
    );
    assert.ok(seen.every(Number.isFinite));
  });

  it('reads a stall the timer has not yet run behind as how overdue the timer is', () => {
    const g = new LagGauge(INTERVAL, 0, HOLD);
    assert.equal(g.lagAt(INTERVAL + 150), 150);
    assert.equal(g.lagAt(INTERVAL + 1000), 1000);
    assert.equal(g.tick(INTERVAL + 1000), 1000);
    // the requests the stall held up are taken up within as long again and see it; after that an idle loop
    let now = INTERVAL + 1000;
    for (; now < INTERVAL + 1000 + 1000; now += INTERVAL) {
      assert.equal(g.lagAt(now), 1000);
      if (now > INTERVAL + 1000) assert.equal(g.tick(now), 0);
    }
    g.tick(now);
    assert.equal(g.lagAt(now + 1), 0);
  });

  it('property: stalls below the limit never read above it; a stall above it reads above it at once and through the hold', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: LIMIT }), { maxLength: 60 }), fc.integer({ min: LIMIT + 1, max: 60_000 }), (short, long) => {
        const { g, seen, now } = run(short);
        assert.ok(
          seen.every((v) => v <= LIMIT),
          `short stalls ${short.join(',')} read ${Math.max(...seen)}`,
        );
        const end = now + INTERVAL + long;
        // a request taken up right after the long stall, whether or not the timer ran first
        assert.ok(g.lagAt(end) > LIMIT);
        g.tick(end);
        for (let t = end; t < end + Math.min(long, HOLD.max); t += INTERVAL) {
          assert.ok(g.lagAt(t) > LIMIT);
          if (t > end) g.tick(t);
        }
      }),
    );
  });

  it('property: the reading is the largest lateness of the ticks that still count, or how overdue the timer is', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 100 })), { maxLength: 80 }), (steps) => {
        const g = new LagGauge(INTERVAL, 0, HOLD);
        const ticks: { at: number; by: number }[] = [];
        let due = INTERVAL;
        let at = 0;
        for (const [late, readAfter] of steps) {
          // the tick runs `late` after it was due (never before the last read), a request is read `readAfter` later
          const now = Math.max(at, due + late);
          ticks.push({ at: now, by: g.tick(now) });
          due = now + INTERVAL;
          at = now + readAfter;
          const expected = Math.max(0, at - due, ...ticks.filter((t) => t.at >= at - Math.min(HOLD.max, Math.max(HOLD.min, t.by))).map((t) => t.by));
          assert.equal(g.lagAt(at), expected);
        }
      }),
    );
  });

  it('a long hang (a process stopped for 10 s) counts for 5 limits after it, not 10 s', () => {
    const g = new LagGauge(INTERVAL, 0, HOLD);
    let now = INTERVAL + 10_000;
    assert.equal(g.tick(now), 10_000);
    const end = now + HOLD.max;
    for (now += INTERVAL; now <= end; now += INTERVAL) {
      g.tick(now);
      assert.equal(g.lagAt(now), 10_000);
    }
    g.tick(now);
    assert.equal(g.lagAt(now), 0);
  });

  it('sustained lag: a loop whose every turn takes longer than the limit reads above it at every sample', () => {
    const turn = 250;
    const { seen } = run(Array.from({ length: 20 }, () => turn - INTERVAL));
    assert.ok(
      seen.every((v) => v > LIMIT),
      seen.join(','),
    );
  });

  it('the monitor reads 0 until started, then the lag on its injected clock', () => {
    let t = 1000;
    const m = new LoopLagMonitor(INTERVAL, HOLD, () => t);
    assert.equal(m.lag(), 0);
    m.start();
    t += INTERVAL + 300;
    assert.equal(m.lag(), 300);
    m.stop();
  });
});
