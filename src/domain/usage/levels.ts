import { BUCKETS, bucketOf, type HourClass } from './hour-class.js';

/** How much of a learned peak survives each further learning day: a peak from a week ago counts about half. */
const DECAY = 0.9;

/**
 * The learned level of one rule's measure for one subject (G3): per day class and local hour, the highest value
 * seen on earlier days. Today's values are learned at the day's end, so a burst cannot raise its own threshold,
 * and values that fired a critical alert are never learned (an attack does not become the baseline).
 */
export class Levels {
  /** Learned peaks in [0, BUCKETS), today's in [BUCKETS, 2 × BUCKETS): one typed array per subject, not two. */
  private readonly values = new Float32Array(2 * BUCKETS);
  day = -1;
  /** Bit c: a day of class c has been learned. */
  known = 0;
  private todayClasses = 0;

  /** Records a value seen at `at` (not a critical one). */
  learn(at: HourClass, value: number): void {
    if (at.day < this.day) return; // a late CDR of a day already learned
    this.roll(at.day);
    const b = BUCKETS + bucketOf(at);
    if (value > (this.values[b] as number)) this.values[b] = value;
    this.todayClasses |= 1 << at.dayClass;
  }

  /**
   * The usual peak around this hour (the hour before and after too: a day's rhythm shifts a little), or undefined
   * while no earlier day of this class is known.
   */
  peak(at: HourClass): number | undefined {
    this.roll(at.day);
    if ((this.known & (1 << at.dayClass)) === 0) return undefined;
    const base = at.dayClass * 24;
    let peak = 0;
    for (let h = Math.max(0, at.hour - 1); h <= Math.min(23, at.hour + 1); h++) peak = Math.max(peak, this.values[base + h] as number);
    return peak;
  }

  /**
   * The usual peak around this hour, or failing that the busiest of today's earlier hours (a site seen since this
   * morning has shown its level): learned within the day, yet a burst never raises its own threshold, since the
   * current hour is not read. Undefined when neither is known.
   */
  recent(at: HourClass, learned = this.peak(at)): number | undefined {
    if (at.day !== this.day || (this.todayClasses & (1 << at.dayClass)) === 0) return learned;
    const base = BUCKETS + at.dayClass * 24;
    let earlier: number | undefined;
    for (let h = 0; h < at.hour; h++) if ((this.values[base + h] as number) > 0) earlier = Math.max(earlier ?? 0, this.values[base + h] as number);
    if (earlier === undefined) return learned;
    return Math.max(learned ?? 0, earlier);
  }

  /** Forgets what today taught: a burst that went on to fire must not teach its own ramp-up (poisoning). */
  forgetToday(): void {
    this.values.fill(0, BUCKETS);
    this.todayClasses = 0;
  }

  private roll(day: number): void {
    if (day <= this.day) return;
    if (this.day >= 0) {
      for (let b = 0; b < BUCKETS; b++) this.values[b] = Math.max(this.values[BUCKETS + b] as number, (this.values[b] as number) * DECAY);
      this.known |= this.todayClasses;
    }
    this.values.fill(0, BUCKETS);
    this.todayClasses = 0;
    this.day = day;
  }

  toJSON(): LevelsSnapshot {
    return {
      day: this.day,
      known: this.known,
      todayClasses: this.todayClasses,
      learned: [...this.values.subarray(0, BUCKETS)],
      today: [...this.values.subarray(BUCKETS)],
    };
  }

  static from(s: LevelsSnapshot): Levels {
    const l = new Levels();
    l.day = s.day;
    l.known = s.known;
    l.todayClasses = s.todayClasses;
    l.values.set(s.learned);
    l.values.set(s.today, BUCKETS);
    return l;
  }
}

export interface LevelsSnapshot {
  readonly day: number;
  readonly known: number;
  readonly todayClasses: number;
  readonly learned: readonly number[];
  readonly today: readonly number[];
}
