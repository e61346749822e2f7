import type { Block } from './block.js';

/**
 * The rate a throttle allows (graded actions, issue 16): per throttle block, the times of the calls it let through
 * in its last `perMs`. A call is allowed while fewer than `calls` were let through in that span (sliding, like the
 * rules' windows). Pure: `now` comes in. Bounded: at most `calls` times per active throttle; throttles not asked
 * about for longer than their span are forgotten by `sweep`.
 */
export class ThrottleGate {
  private readonly passed = new Map<string, { times: number[]; perMs: number; expiresAt: number }>();

  get size(): number {
    return this.passed.size;
  }

  /** Whether one more call fits the rate of every throttle (none is counted yet). */
  fits(throttles: readonly Block[], now: number): Block | undefined {
    for (const b of throttles) {
      const t = b.throttle;
      if (t === undefined) continue;
      const held = this.passed.get(b.id);
      if (held === undefined) continue;
      if (recent(held.times, now, t.perMs) >= t.calls) return b;
    }
    return undefined;
  }

  /** Counts a call let through under these throttles. */
  pass(throttles: readonly Block[], now: number): void {
    for (const b of throttles) {
      const t = b.throttle;
      if (t === undefined) continue;
      let held = this.passed.get(b.id);
      if (held === undefined) this.passed.set(b.id, (held = { times: [], perMs: t.perMs, expiresAt: b.expiresAt }));
      // oldest first: drop what left the span, keep at most `calls` times
      while (held.times.length > 0 && ((held.times[0] as number) <= now - t.perMs || held.times.length >= t.calls)) held.times.shift();
      held.times.push(now);
    }
  }

  /** Forgets throttles that expired, or whose calls all left their span. */
  sweep(now: number): void {
    for (const [id, held] of this.passed) {
      const last = held.times[held.times.length - 1] ?? -Infinity;
      if (held.expiresAt <= now || last <= now - held.perMs) this.passed.delete(id);
    }
  }
}

const recent = (times: readonly number[], now: number, perMs: number): number => {
  let n = 0;
  for (let i = times.length - 1; i >= 0 && (times[i] as number) > now - perMs; i--) n++;
  return n;
};
