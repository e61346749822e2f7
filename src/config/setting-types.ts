import { z } from 'zod';
import { DURATION_PATTERN } from '../domain/rules/duration.js';
import { parseFormatSpec, type FormatSpec } from '../domain/cdr/formats/registry.js';

/** The value shapes settings share (settings.ts). */
export const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*)');
export const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);
export const brokers = csv.pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'each broker must be host:port')).min(1, 'at least one host:port'));
export const digits = (min: number, max: number) =>
  z.string().regex(new RegExp(`^\\d{${min},${max}}$`), `must be ${min === max ? min : `${min}-${max}`} digits`);

export const duration = (example: string) => z.string().regex(DURATION_PATTERN, `must be a duration such as ${example}`);

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
export const topicName = z.string().regex(TOPIC, 'invalid Kafka topic name');

/** `topic` or `topic=FORMAT` → topic and decoder format; a bad format names itself in the error. */
export function topicWithFormat(entry: string, ctx: z.RefinementCtx): { topic: string; format: FormatSpec } {
  const eq = entry.indexOf('=');
  const topic = eq < 0 ? entry : entry.slice(0, eq);
  if (!TOPIC.test(topic)) {
    ctx.issues.push({ code: 'custom', input: entry, message: `invalid Kafka topic name "${topic}"` });
    return z.NEVER;
  }
  try {
    return { topic, format: parseFormatSpec(eq < 0 ? 'canonical' : entry.slice(eq + 1)) };
  } catch (err) {
    ctx.issues.push({ code: 'custom', input: entry, message: (err as Error).message });
    return z.NEVER;
  }
}
