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
  /** Late ticks that still count: when and by how much, each later one less late (a sliding maximum). */
  private late: { at: number; by: number }[] = [];
  private readonly hold: { readonly min: number; readonly max: number };

  /**
   * A late tick counts for as long as it was late, within `hold` (min at least one interval): the backlog a stall
   * piled up is taken up after it, in a time that grows with the stall, but a long hang must not turn into as long
   * again of shed requests.
   */
  constructor(
    readonly intervalMs: number,
    startedAt: number,
    hold: { readonly min: number; readonly max: number } = { min: intervalMs, max: intervalMs },
  ) {
    this.due = startedAt + intervalMs;
    const min = Math.max(hold.min, intervalMs);
    this.hold = { min, max: Math.max(hold.max, min) };
  }

  /** The timer ran at `now`: records how late it was and asks again an interval later. */
  tick(now: number): number {
    const by = Math.max(0, now - this.due);
    this.due = now + this.intervalMs;
    // a tick at least as late as an earlier one also counts at least as long: the earlier one no longer matters
    this.late = this.late.filter((l) => l.by > by && this.counts(l, now));
    if (by > 0) this.late.push({ at: now, by });
    return by;
  }

  /**
   * The lag at `now`: the most a tick that still counts ran late or, when the timer is overdue (the loop is still
   * catching up after a stall the timer has not yet run behind), how overdue it is. A stall shorter than the limit
   * therefore never reads above it; a longer one reads at once.
   */
  lagAt(now: number): number {
    // ordered from the most late to the least: the first that still counts is the largest
    const peak = this.late.find((l) => this.counts(l, now))?.by ?? 0;
    return Math.max(0, peak, now - this.due);
  }

  private counts(l: { at: number; by: number }, now: number): boolean {
    return l.at >= now - Math.min(this.hold.max, Math.max(this.hold.min, l.by));
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
    private readonly hold: { readonly min: number; readonly max: number },
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer) return;
    this.gauge = new LagGauge(this.intervalMs, this.now(), this.hold);
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
