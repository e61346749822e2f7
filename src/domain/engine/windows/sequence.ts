import type { LogView } from './keyed-log.js';
import { lowerBound } from './spans.js';

/** Longest run considered per span; war-dialling runs are found long before this. */
export const MAX_SEQUENCE_SPAN = 128;

export interface Run {
  /** Log indices of the run's calls in time order. */
  readonly indices: readonly number[];
  readonly direction: 'ascending' | 'descending';
}

/**
 * Number enumeration (G2): the longest run of calls, in time order, whose dialled numbers climb (or fall) by
 * 1..maxStep at each step (…0001, …0002, …0004, …0005). Other calls may be interleaved (the run is a
 * subsequence), and repeats of a number neither extend nor break it. Values are the dialled numbers' digits as
 * integers (E.164 numbers have at most 15 digits, well inside 2^53).
 */
export function longestRun(values: readonly number[], maxStep: number): Run | null {
  let best: Run | null = null;
  for (const direction of ['ascending', 'descending'] as const) {
    const sign = direction === 'ascending' ? 1 : -1;
    const length = new Array<number>(values.length).fill(1);
    const prev = new Array<number>(values.length).fill(-1);
    let end = -1;
    for (let b = 0; b < values.length; b++) {
      const vb = values[b] as number;
      if (!Number.isFinite(vb)) continue;
      for (let a = 0; a < b; a++) {
        const step = (vb - (values[a] as number)) * sign;
        if (step > 0 && step <= maxStep && (length[a] as number) + 1 > (length[b] as number)) {
          length[b] = (length[a] as number) + 1;
          prev[b] = a;
        }
      }
      if (end < 0 || (length[b] as number) > (length[end] as number)) end = b;
    }
    if (end < 0) continue;
    const indices: number[] = [];
    for (let i = end; i >= 0; i = prev[i] as number) indices.unshift(i);
    if (best === null || indices.length > best.indices.length) best = { indices, direction };
  }
  return best;
}

/**
 * The longest run among the spans (events < windowMs apart) that end on an event at or after `index` and
 * contain it: the span ending at `index` for calls in order, later ones too when a late CDR filled a gap.
 */
export function longestRunAround(
  view: LogView,
  index: number,
  windowMs: number,
  maxStep: number,
  valueAt: (i: number) => number = (i) => view.value(i),
): Run | null {
  const t = view.time(index);
  let best: Run | null = null;
  for (let last = index; last < view.length && view.time(last) - t < windowMs; last++) {
    const first = Math.max(lowerBound(view, view.time(last), windowMs), last - MAX_SEQUENCE_SPAN + 1);
    const values: number[] = [];
    for (let i = first; i <= last; i++) values.push(valueAt(i));
    const run = longestRun(values, maxStep);
    if (run && (best === null || run.indices.length > best.indices.length)) {
      best = { direction: run.direction, indices: run.indices.map((i) => i + first) };
    }
  }
  return best;
}
