import type { LogView } from './keyed-log.js';

/**
 * Window arithmetic over one key's sorted log. A span is a set of consecutive events whose first and last
 * event times are less than `windowMs` apart ("5 calls in < 1 min", EV06), so windows slide with every event
 * instead of following clock minutes.
 */
export interface Span {
  readonly first: number;
  readonly last: number;
}

/** First index whose time is > t - windowMs (the earliest event that can share a span with time t). */
export function lowerBound(view: LogView, t: number, windowMs: number): number {
  let lo = 0;
  let hi = view.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (view.time(mid) > t - windowMs) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The span containing event `index` with the most events (the earliest such span on ties), written into `out`. */
export function densestSpan(view: LogView, index: number, windowMs: number, out: { first: number; last: number } = { first: 0, last: 0 }): Span {
  const t = view.time(index);
  out.first = index;
  out.last = index;
  let last = index;
  for (let first = lowerBound(view, t, windowMs); first <= index; first++) {
    const start = view.time(first);
    while (last + 1 < view.length && view.time(last + 1) - start < windowMs) last++;
    if (last - first > out.last - out.first) {
      out.first = first;
      out.last = last;
    }
  }
  return out;
}

export interface DistinctSpan extends Span {
  readonly distinct: number;
  /** Share of the span's events whose `isShort` is true. */
  readonly shortShare: number;
}

/**
 * Scratch counts of values, left empty after every call (the engine is single-threaded): no map per call, and no
 * Map.clear() either, which allocates a fresh table each time.
 */
const counts = new Map<number, number>();

/**
 * Among the spans that contain event `index` and end on an event, the one with the most distinct values
 * (each span ending at event e covers (t_e - window, t_e]); spans whose share of short events is below
 * `minShortShare` are skipped. Every span containing `index` is a subset of one of these, so this is the maximum
 * over all of them. Written into `out`; null when no span qualifies.
 */
export function mostDistinctSpan(
  view: LogView,
  index: number,
  windowMs: number,
  valueOf: (i: number) => number,
  isShort: (i: number) => boolean,
  minShortShare = 0,
  out: { first: number; last: number; distinct: number; shortShare: number } = { first: 0, last: 0, distinct: 0, shortShare: 0 },
): DistinctSpan | null {
  const t = view.time(index);
  let shorts = 0;
  let first = lowerBound(view, t, windowMs);
  const add = (i: number, delta: 1 | -1) => {
    const v = valueOf(i);
    const n = (counts.get(v) ?? 0) + delta;
    if (n === 0) counts.delete(v);
    else counts.set(v, n);
    if (isShort(i)) shorts += delta;
  };
  for (let i = first; i < index; i++) add(i, 1);
  let found = false;
  for (let last = index; last < view.length && view.time(last) - t < windowMs; last++) {
    add(last, 1);
    while (view.time(last) - view.time(first) >= windowMs) add(first++, -1);
    const shortShare = shorts / (last - first + 1);
    if (shortShare >= minShortShare && (!found || counts.size > out.distinct)) {
      found = true;
      out.first = first;
      out.last = last;
      out.distinct = counts.size;
      out.shortShare = shortShare;
    }
  }
  for (let i = first; i < view.length && view.time(i) - t < windowMs; i++) counts.delete(valueOf(i));
  return found ? out : null;
}

/** Index of the event at which `need` distinct values had been seen, scanning the span from its start. */
export function distinctReachedAt(valueOf: (i: number) => number, span: Span, need: number): number {
  const seen = new Set<number>();
  for (let i = span.first; i <= span.last; i++) {
    seen.add(valueOf(i));
    if (seen.size >= need) return i;
  }
  return span.last;
}

/** Events of the log within `windowMs` of event `index` either side: an upper bound of any span's size around it. */
export function eventsNear(view: LogView, index: number, windowMs: number): number {
  const t = view.time(index);
  let hi = index + 1;
  while (hi < view.length && view.time(hi) - t < windowMs) hi++;
  return hi - lowerBound(view, t, windowMs);
}
