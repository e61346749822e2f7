import type { MoneyBook } from '../../cost/money-book.js';
import type { CompiledRule } from '../../rules/compile.js';
import type { CallEvent } from '../event.js';
import { round2 } from '../../round.js';
import type { Detector, Observation } from './detector.js';

/**
 * Money caps per profile (issue 16, F2), in real time: the account's outbound cost over the local day and the
 * local month (profile time zone) against `caps.daily` / `caps.monthly`; the measure is the percentage used of the
 * tighter one. Totals live in the MoneyBook (saved with the usage snapshot, so a month survives restarts); the
 * engine counts the call there before the rules run.
 */
export class MoneyCapDetector implements Detector {
  constructor(
    readonly rule: CompiledRule,
    private readonly money: MoneyBook,
  ) {}

  get keyCount(): number {
    return 0; // the totals are the money book's
  }

  observe(event: CallEvent): Observation | null {
    const caps = event.profile.caps;
    const m = this.money.current;
    if (!caps || m === undefined || event.direction !== 'outbound') return null;
    const dayTotal = m.dayTotal;
    const monthTotal = m.monthTotal;
    const day = caps.daily === undefined ? 0 : (dayTotal / caps.daily) * 100;
    const month = caps.monthly === undefined ? 0 : (monthTotal / caps.monthly) * 100;
    const percent = Math.max(day, month);
    const details = () => {
      const d: Record<string, string | number> = { timeZone: event.profile.timeZone, percentUsed: round2(percent) };
      if (caps.daily !== undefined) Object.assign(d, { costToday: round2(dayTotal), dailyCap: caps.daily });
      if (caps.monthly !== undefined) Object.assign(d, { costThisMonth: round2(monthTotal), monthlyCap: caps.monthly });
      if (event.costEstimated) d['lastCallCost'] = `${round2(event.cost ?? 0)} (estimated from rates.csv)`;
      return d;
    };
    return { value: percent, reachedAt: () => event.t, evidence: () => [event.seq], details, period: month > day ? 'month' : 'day' };
  }

  /** The money book trims itself with the usage profiles. */
  trim(): void {}
}
