import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LagGauge, lagSampleInterval, LoopLagMonitor } from '../../../src/adapters/http/loop-lag.js';

const LIMIT = 200;
const INTERVAL = lagSampleInterval(LIMIT);

/** Drives a gauge through a loop that runs each due tick `late[i]` ms late, reading the lag a request sees between. */
function run(late: readonly number[]) {
  const g = new LagGauge(INTERVAL, 0);
  let now = 0;
  const seen: number[] = [];
  for (const l of late) {
    now += INTERVAL + l;
    // a request taken up just before the late tick ran (it waited through the same stall), then just after
    seen.push(g.lagAt(now), g.tick(now), g.lagAt(now));
  }
  return { g, seen, now };
}

describe('event-loop lag as timer lateness (fixed clock)', () => {
  it('samples every tenth of the limit, at most every 20 ms', () => {
    assert.deepEqual([10, 50, 200, 10_000].map(lagSampleInterval), [1, 5, 20, 20]);
  });

  it('reads an idle loop as 0 and a stall as exactly its length, never NaN or Infinity', () => {
    const { seen } = run([0, 0, 60, 0, 1000, 0]);
    // each reading holds until the next tick replaces it
    assert.deepEqual(seen, [0, 0, 0, 0, 0, 0, 60, 60, 60, 60, 0, 0, 1000, 1000, 1000, 1000, 0, 0]);
  });

  it('reads a stall the timer has not yet run behind as how overdue the timer is', () => {
    const g = new LagGauge(INTERVAL, 0);
    assert.equal(g.lagAt(INTERVAL + 150), 150);
    assert.equal(g.lagAt(INTERVAL + 1000), 1000);
    assert.equal(g.tick(INTERVAL + 1000), 1000);
    // the next tick on time clears it: only requests that waited through the stall see it
    assert.equal(g.tick(INTERVAL + 1000 + INTERVAL), 0);
    assert.equal(g.lagAt(INTERVAL + 1000 + INTERVAL + 5), 0);
  });

  it('property: stalls below the limit never read above it; a stall above it reads above it at once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: LIMIT }), { maxLength: 50 }), fc.integer({ min: LIMIT + 1, max: 60_000 }), (short, long) => {
        const { g, seen, now } = run(short);
        assert.ok(
          seen.every((v) => v <= LIMIT),
          `short stalls ${short.join(',')} read ${Math.max(...seen)}`,
        );
        // a request taken up right after the long stall, whether or not the timer ran first
        assert.ok(g.lagAt(now + INTERVAL + long) > LIMIT);
        assert.ok(g.tick(now + INTERVAL + long) > LIMIT && g.lagAt(now + INTERVAL + long) > LIMIT);
      }),
    );
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
    const m = new LoopLagMonitor(INTERVAL, () => t);
    assert.equal(m.lag(), 0);
    m.start();
    t += INTERVAL + 300;
    assert.equal(m.lag(), 300);
    m.stop();
  });
});
