/** Durations in rule files: `90s`, `10m`, `1h`, `24h`, `7d`, or combinations such as `1h30m`. */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const PART = /(\d+)(ms|d|h|m|s)/g;
export const DURATION_PATTERN = /^(?:\d+(?:ms|d|h|m|s))+$/;

/** Parses a duration to milliseconds, or returns null when the text is not one. */
export function parseDuration(text: string): number | null {
  if (!DURATION_PATTERN.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return total;
}

/** The shortest rendering of a duration in milliseconds (`300000` → `5m`), for details and messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
