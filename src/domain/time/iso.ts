/** An epoch-millisecond instant as ISO-8601 UTC text (the one form every serialiser and view uses). */
export const iso = (ms: number): string => new Date(ms).toISOString();
