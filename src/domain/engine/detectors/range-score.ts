import type { CompiledRule } from '../../rules/compile.js';
import { formatDuration } from '../../rules/duration.js';
import type { RangeScoreMeasure } from '../../rules/spec.js';
import { hash30 } from '../../hash.js';
import { round2 } from '../../round.js';
import type { CallEvent } from '../event.js';
import { firingFloor, MAX_EVIDENCE, type Detector, type HorizonOf, type Observation } from './detector.js';

/** How a call ended, stored in the low two bits of its code. */
const UNANSWERED = 0;
const SHORT = 1;
const TALK = 2;
/** Calls kept per key and range: a flood is judged on its newest calls, memory stays bounded. */
const MAX_CALLS = 512;

/** One key's calls to one range, by start time: parallel arrays, no object per call. */
interface RangeLog {
  readonly t: number[];
  readonly seq: number[];
  /** hash30(callee) × 4 + how the call ended. */
  readonly code: number[];
  readonly w: number[];
}

interface Window {
  first: number;
  last: number;
  score: number;
  distinct: number;
  short: number;
  answered: number;
  unanswered: number;
}

/** What a minute of the call costs: the rate the cost work fills, else the CDR's own cost over its billed minutes. */
export const rateOf = (e: CallEvent): number => (e.ratePerMinute > 0 ? e.ratePerMinute : e.cost !== undefined && e.billSec > 0 ? (e.cost * 60) / e.billSec : 0);

/**
 * Single-account pumping and short-call bursts (G2, F4): per key (account or caller) and destination range, the
 * distinct numbers called within the window, each counted once at its heaviest call. A call weighs 1 when answered
 * and short, `unanswered` when not answered, 0 when it was a conversation; times the range's weight (hot, risk or
 * rate: the highest that applies). The measure is the sum. It fires only with `minDistinct` numbers and when most
 * answered calls were short: a sales team working a foreign list talks on many of its calls, a pumper on none.
 */
export class RangeScoreDetector implements Detector {
  private readonly logs = new Map<string, RangeLog>();
  private readonly m: RangeScoreMeasure;
  private readonly floor: number;
  /** Reused per window computation: number → heaviest weight. */
  private readonly heaviest = new Map<number, number>();
  private readonly best: Window = { first: 0, last: 0, score: 0, distinct: 0, short: 0, answered: 0, unanswered: 0 };
  private readonly scratch: Window = { first: 0, last: 0, score: 0, distinct: 0, short: 0, answered: 0, unanswered: 0 };

  constructor(readonly rule: CompiledRule) {
    this.m = rule.measure as RangeScoreMeasure;
    this.floor = firingFloor(rule);
  }

  get keyCount(): number {
    return this.logs.size;
  }

  /** The weight of a call's range: hot, risk-listed or premium, expensive, else 1. */
  rangeWeight(e: CallEvent): number {
    const w = this.m.weights;
    let weight = 1;
    if (e.hot.length > 0) weight = Math.max(weight, w.hot);
    if (e.premium || e.riskListed) weight = Math.max(weight, w.risk);
    if (w.rate && rateOf(e) >= w.rate.from) weight = Math.max(weight, w.rate.weight);
    return weight;
  }

  observe(event: CallEvent, key: string): Observation | null {
    const e164 = event.callee?.e164;
    const digits = this.m.prefixDigits;
    if (!e164 || e164.length <= digits + 1) return null;
    const range = e164.slice(0, digits + 1);
    const ended = !event.answered ? UNANSWERED : event.billSec <= this.m.maxBillSec ? SHORT : TALK;
    const weight = ended === TALK ? 0 : (ended === SHORT ? 1 : this.m.unanswered) * this.rangeWeight(event);
    const logKey = `${key}\u0000${range}`;
    const code = hash30(e164) * 4 + ended;
    let log = this.logs.get(logKey);
    let i = 0;
    // a new log is built at its exact size (most hold a call or two; an empty array's first push reserves 17)
    if (!log) this.logs.set(logKey, (log = { t: [event.t], seq: [event.seq], code: [code], w: [weight] }));
    else i = insert(log, event.t, event.seq, code, weight);
    const W = this.rule.windowMs;
    // most ranges hold a call or two around this one: their plain sum cannot reach any threshold
    let near = 0;
    for (let j = i; j >= 0 && (log.t[j] as number) > event.t - W; j--) near += log.w[j] as number;
    for (let j = i + 1; j < log.t.length && (log.t[j] as number) < event.t + W; j++) near += log.w[j] as number;
    if (near < this.floor || near === 0) return null;
    // the window ending at this call, and the one ending at the newest call within the window after it (a late CDR)
    let end = i;
    while (end + 1 < log.t.length && (log.t[end + 1] as number) < event.t + W) end++;
    const here = this.judge(log, i, this.best);
    const after = end !== i && this.judge(log, end, this.scratch);
    if (!here && !after) return null;
    if (after && (!here || this.scratch.score > this.best.score)) Object.assign(this.best, this.scratch);
    return this.observation(log, range, event);
  }

  trim(horizonOf: HorizonOf): void {
    const latest = horizonOf.latest ?? Infinity;
    // forEach, not for…of (no array per key); a log starting at or after `latest` is kept without its key's horizon
    this.logs.forEach((log, key, logs) => {
      if ((log.t[0] as number) >= latest) return;
      const horizon = horizonOf(key);
      let n = 0;
      while (n < log.t.length && (log.t[n] as number) < horizon) n++;
      if (n === log.t.length) logs.delete(key);
      else if (n > 0) drop(log, n);
    });
  }

  /** Scores the window ending at `end` into `out`; false when it does not qualify (too few numbers, people talked). */
  private judge(log: RangeLog, end: number, out: Window): boolean {
    const from = (log.t[end] as number) - this.rule.windowMs;
    const heaviest = this.heaviest;
    heaviest.clear();
    let first = end;
    let short = 0;
    let answered = 0;
    let unanswered = 0;
    for (let j = end; j >= 0 && (log.t[j] as number) > from; j--) {
      first = j;
      const code = log.code[j] as number;
      const ended = code & 3;
      if (ended === UNANSWERED) unanswered++;
      else answered++;
      if (ended === SHORT) short++;
      const w = log.w[j] as number;
      if (w === 0) continue;
      const n = (code - ended) / 4;
      if ((heaviest.get(n) ?? 0) < w) heaviest.set(n, w);
    }
    let score = 0;
    for (const w of heaviest.values()) score += w;
    if (heaviest.size < this.m.minDistinct) return false;
    if (answered > 0 && short / answered < this.m.minShortShare) return false;
    Object.assign(out, { first, last: end, score, distinct: heaviest.size, short, answered, unanswered });
    return true;
  }

  private observation(log: RangeLog, range: string, event: CallEvent): Observation {
    const b = { ...this.best };
    const weight = this.rangeWeight(event);
    const hot = event.hot[0];
    const rate = rateOf(event);
    return {
      value: b.score,
      reachedAt: (need) => {
        const seen = new Map<number, number>();
        let sum = 0;
        for (let j = b.first; j <= b.last; j++) {
          const code = log.code[j] as number;
          const n = (code - (code & 3)) / 4;
          const w = log.w[j] as number;
          const before = seen.get(n) ?? 0;
          if (w > before) {
            sum += w - before;
            seen.set(n, w);
          }
          if (sum >= need) return log.t[j] as number;
        }
        return log.t[b.last] as number;
      },
      evidence: () => log.seq.slice(b.first, Math.min(b.last + 1, b.first + MAX_EVIDENCE)),
      details: () => ({
        range,
        score: round2(b.score),
        distinct: b.distinct,
        calls: b.last - b.first + 1,
        answeredShort: b.short,
        conversations: b.answered - b.short,
        unanswered: b.unanswered,
        rangeWeight: weight,
        rangeRisk: event.hot.length > 0 ? 'hot' : event.premium || event.riskListed ? 'listed' : rate > 0 && weight > 1 ? 'rate' : 'international',
        ...(hot ? { hotSource: hot.source } : {}),
        ...(rate > 0 ? { ratePerMinute: round2(rate) } : {}),
        window: formatDuration(this.rule.windowMs),
        from: new Date(log.t[b.first] as number).toISOString(),
        to: new Date(log.t[b.last] as number).toISOString(),
      }),
    };
  }
}

/** Inserts a call by start time (CDRs arrive nearly in order: usually an append); returns its index. */
function insert(log: RangeLog, t: number, seq: number, code: number, w: number): number {
  if (log.t.length >= MAX_CALLS) drop(log, 1);
  let i = log.t.length;
  while (i > 0 && (log.t[i - 1] as number) > t) i--;
  if (i === log.t.length) {
    log.t.push(t);
    log.seq.push(seq);
    log.code.push(code);
    log.w.push(w);
  } else {
    log.t.splice(i, 0, t);
    log.seq.splice(i, 0, seq);
    log.code.splice(i, 0, code);
    log.w.splice(i, 0, w);
  }
  return i;
}

function drop(log: RangeLog, n: number): void {
  log.t.splice(0, n);
  log.seq.splice(0, n);
  log.code.splice(0, n);
  log.w.splice(0, n);
}
