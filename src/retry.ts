import pRetry, { AbortError } from 'p-retry';

/** Exponential backoff: the first retry waits `initialMs`, each next one twice as long, never more than `maxMs`. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface RetryOptions {
  readonly backoff: Backoff;
  /** Attempts in all, the first included; unbounded when absent (until `signal` aborts). */
  readonly attempts?: number;
  /** Aborting stops waiting and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called after each failed attempt that will be retried (log, pause a source, heartbeat a group). */
  readonly onRetry?: (error: Error, attempt: number) => void | Promise<void>;
  /** Which failures are retried (every one when absent); any other is thrown as it is at once. */
  readonly retryable?: (error: unknown) => boolean;
}

/** The one retry loop of Sentinela (p-retry): flushes, rebuilds, pushes, alarms and attempt verdicts use it. */
export function retry<T>(job: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const bounded = o.attempts !== undefined;
  // p-retry gives up at once on a TypeError (a bug, to it); Sentinela retries every failure the same way
  const attempt = async (n: number) => {
    try {
      return await job(n);
    } catch (err) {
      if (o.retryable && !o.retryable(err)) throw new AbortError(err instanceof Error ? err : String(err));
      throw err instanceof TypeError || !(err instanceof Error) ? new Error(String((err as Error)?.message ?? err), { cause: err }) : err;
    }
  };
  return pRetry(attempt, {
    ...(bounded ? { retries: Math.max(0, (o.attempts ?? 1) - 1) } : { forever: true }),
    factor: 2,
    minTimeout: o.backoff.initialMs,
    maxTimeout: o.backoff.maxMs,
    randomize: false,
    ...(o.signal ? { signal: o.signal } : {}),
    onFailedAttempt: async (error) => {
      if (!bounded || error.retriesLeft > 0) await o.onRetry?.(error, error.attemptNumber);
    },
  });
}
