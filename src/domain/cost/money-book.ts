import type { CallEvent } from '../engine/event.js';
import type { HourClass } from '../usage/hour-class.js';

/** A peak of daily cost from a week ago counts about half, like the other learned peaks (Levels). */
const DECAY = 0.9;
/** Accounts idle this long are forgotten (a month total must outlive a quiet fortnight). */
const RETENTION_MS = 40 * 86_400_000;
const DAY_MS = 86_400_000;

/** Money of one account: today's and this month's outbound cost (local, in its profile's zone) and its usual daily cost. */
export interface AccountMoney {
  /** Local day number (HourClass.day) of `dayTotal`. */
  day: number;
  dayClass: 0 | 1;
  dayTotal: number;
  /** Local month (year × 12 + month - 1) of `monthTotal`. */
  month: number;
  monthTotal: number;
  /** A money rule fired critical on this day: its total is not learned (an attack is not a usual day). */
  spoiledDay: number;
  /** Usual (peak, fading) daily cost per day class: business, closed. */
  readonly typical: [number, number];
  /** Bit c: a day of class c has been learned. */
  known: number;
  /** Newest event time seen (retention). */
  lastT: number;
}

/** [key, day, dayClass, dayTotal, month, monthTotal, spoiledDay, typicalBusiness, typicalClosed, known, lastT] */
export type MoneyRow = readonly [string, number, number, number, number, number, number, number, number, number, number];

/** The local month of a local day number. */
export function monthOfDay(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/**
 * What each account spends (issue 16, F2 G3): outbound cost per local day and month, for real-time money caps, and
 * its usual daily cost per day class, learned at the day's end and fading 10 % a learning day, which exposure
 * thresholds scale by. Pure, event time; totals are keyed by the call's start like the daily quota. Saved with the
 * usage snapshot: a month cannot be replayed from CDRs cheaply.
 */
export class MoneyBook {
  private readonly accounts = new Map<string, AccountMoney>();
  /** The account of the call observed last: the money rules judging that call read it without a lookup. */
  current: AccountMoney | undefined;

  get size(): number {
    return this.accounts.size;
  }

  /**
   * Counts an outbound call's cost for its account (`key`: tenant NUL account). `counts` is false while a rebuild
   * replays a call the restored snapshot already counted.
   */
  observe(key: string, e: CallEvent, at: HourClass, counts: boolean): AccountMoney {
    let m = this.accounts.get(key);
    if (!m) {
      m = { day: at.day, dayClass: at.dayClass, dayTotal: 0, month: monthOfDay(at.day), monthTotal: 0, spoiledDay: -1, typical: [0, 0], known: 0, lastT: e.t };
      this.accounts.set(key, m);
    }
    if (at.day > m.day) roll(m, at);
    if (e.t > m.lastT) m.lastT = e.t;
    const cost = e.cost ?? 0;
    if (counts && cost > 0) {
      if (at.day === m.day) {
        m.dayTotal += cost;
        m.monthTotal += cost;
      } else if (monthOfDay(at.day) === m.month) m.monthTotal += cost; // a late call of an earlier day this month
    }
    this.current = m;
    return m;
  }

  /** The usual daily cost of the observed account on days of this class, or undefined while none is learned. */
  typical(m: AccountMoney, dayClass: 0 | 1): number | undefined {
    return (m.known & (1 << dayClass)) === 0 ? undefined : m.typical[dayClass];
  }

  /** Forgets accounts idle for RETENTION_MS before the horizon of their tenant. */
  trim(horizonOf: (key: string) => number): void {
    this.current = undefined;
    for (const [key, m] of this.accounts) if (m.lastT < horizonOf(key) - RETENTION_MS) this.accounts.delete(key);
  }

  /** The rows of one tenant's accounts (stored with its usage snapshot). */
  rows(tenant: string): MoneyRow[] {
    const prefix = `${tenant}\u0000`;
    const out: MoneyRow[] = [];
    for (const [key, m] of this.accounts) {
      if (key.startsWith(prefix))
        out.push([key, m.day, m.dayClass, m.dayTotal, m.month, m.monthTotal, m.spoiledDay, m.typical[0], m.typical[1], m.known, m.lastT]);
    }
    return out;
  }

  /** Replaces what was known of a tenant's accounts with its stored rows (rows of other tenants are ignored). */
  restore(tenant: string, rows: readonly MoneyRow[]): void {
    this.current = undefined;
    const prefix = `${tenant}\u0000`;
    for (const key of this.accounts.keys()) if (key.startsWith(prefix)) this.accounts.delete(key);
    for (const [key, day, dayClass, dayTotal, month, monthTotal, spoiledDay, business, closed, known, lastT] of rows) {
      if (!key.startsWith(prefix)) continue;
      this.accounts.set(key, { day, dayClass: dayClass === 1 ? 1 : 0, dayTotal, month, monthTotal, spoiledDay, typical: [business, closed], known, lastT });
    }
  }
}

/** A new local day: the finished one is learned (unless spoiled), every usual value fades, and a new month starts afresh. */
function roll(m: AccountMoney, at: HourClass): void {
  m.typical[0] *= DECAY;
  m.typical[1] *= DECAY;
  if (m.spoiledDay !== m.day) {
    m.typical[m.dayClass] = Math.max(m.typical[m.dayClass], m.dayTotal);
    m.known |= 1 << m.dayClass;
  }
  const month = monthOfDay(at.day);
  if (month !== m.month) {
    m.month = month;
    m.monthTotal = 0;
  }
  m.day = at.day;
  m.dayClass = at.dayClass;
  m.dayTotal = 0;
}
