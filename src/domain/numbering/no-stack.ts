/**
 * Runs `build` with stack traces off. For errors that are answers, not faults: an unreadable number's error, and
 * the ParseError libphonenumber-js throws and catches inside itself for every number it cannot read. Capturing
 * the stack cost more than the parse (about 12 of 25 µs per unreadable number, bench:pipeline's profile).
 */
export function withoutStackTraces<T>(build: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
