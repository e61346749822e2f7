import { performance } from 'node:perf_hooks';

/**
 * Event-loop lag as timer lateness: a timer asks to run every `intervalMs`; how late it ran is how long the loop
 * could not run anything. Exact to the millisecond and never NaN, unlike a delay histogram read per interval
 * (@fastify/under-pressure 9 reads Infinity when no sample landed and dilutes one long stall into a mean).
 *
 * The arithmetic only: times are passed in (tests drive it with plain numbers); LoopLagMonitor runs the timer.
 */
export class LagGauge {
  private due: number;
  private last = 0;

  constructor(
    readonly intervalMs: number,
    startedAt: number,
  ) {
    this.due = startedAt + intervalMs;
  }

  /** The timer ran at `now`: remembers how late it was (until the next tick) and asks again an interval later. */
  tick(now: number): number {
    this.last = Math.max(0, now - this.due);
    this.due = now + this.intervalMs;
    return this.last;
  }

  /**
   * The lag a request taken off the loop at `now` waited through: the last tick's lateness, or, when the timer
   * is overdue (the loop is still catching up after a stall the timer has not yet run behind), how overdue it is.
   * A stall shorter than the limit therefore never reads above it, and a stall of any length reads at once.
   */
  lagAt(now: number): number {
    return Math.max(this.last, now - this.due);
  }
}

/** The interval between lateness samples for a lag limit: fine enough that a stall reads within 20 ms of its length. */
export const lagSampleInterval = (limitMs: number): number => Math.max(1, Math.min(20, Math.floor(limitMs / 10)));

/** Runs a LagGauge on a real (unref'd) timer from start() to stop(); `now` is injectable, monotonic milliseconds. */
export class LoopLagMonitor {
  private gauge: LagGauge | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer) return;
    this.gauge = new LagGauge(this.intervalMs, this.now());
    this.timer = setTimeout(() => {
      this.gauge?.tick(this.now());
      this.timer?.refresh();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Milliseconds the loop lags now; 0 when not started. */
  lag(): number {
    return this.gauge?.lagAt(this.now()) ?? 0;
  }
}
