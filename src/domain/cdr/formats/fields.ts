import { createHash } from 'node:crypto';
import { TZDate } from '@date-fns/tz';
import { SentinelaError } from '../../../errors.js';
import type { Decoded, DecoderOptions } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Payload bytes → text in the source's encoding; invalid UTF-8 is an error, never replaced silently. */
export function payloadText(payload: Uint8Array | string, options: Pick<DecoderOptions, 'encoding'>): string | Decoded {
  if (typeof payload === 'string') return payload;
  if (options.encoding === 'latin1') return latin1.decode(payload);
  try {
    return utf8.decode(payload);
  } catch {
    return failure('CDR_BAD_ENCODING', 'payload is not valid UTF-8 (set encoding=latin1 for ISO-8859-1 exporters)');
  }
}

export function failure(code: 'CDR_NOT_JSON' | 'CDR_BAD_ENCODING' | 'CDR_INVALID' | 'CDR_TOO_LARGE', message: string, path?: string): Decoded {
  return { kind: 'error', error: new SentinelaError(code, message, path === undefined ? {} : { path }) };
}

const WALL = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

/**
 * `YYYY-MM-DD HH:MM[:SS[.ffffff]]` wall-clock time in `timeZone` → epoch ms (DST-safe through @date-fns/tz).
 * Undefined for anything else, so the caller can name the field.
 */
export function wallClock(text: string, timeZone: string): number | undefined {
  const m = WALL.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const t = new TZDate(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms, timeZone).getTime();
  return Number.isNaN(t) ? undefined : t;
}

/** Epoch seconds (possibly fractional, as text or number) → epoch ms. */
export function epochSeconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : undefined;
}

/** A whole number of seconds from text such as "27" or a number; undefined when absent or not a number. */
export function wholeSeconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.round(n) : undefined;
}

/** `"Alice" <1000>` → 1000; a bare number is returned as is; empty → undefined. */
export function callerIdNumber(clid: string): string | undefined {
  const angle = /<([^<>]*)>\s*$/.exec(clid);
  const candidate = (angle ? angle[1] : clid)?.trim();
  return candidate ? candidate : undefined;
}

/** `SIP/211474-00000000` → `SIP/211474`: the device (peer) that owns a channel. */
export function channelPeer(channel: string): string | undefined {
  const peer = channel.replace(/-[0-9a-f]+(;\d+)?$/i, '').trim();
  return peer ? peer : undefined;
}

/** Short stable digest of a record's text: an id for records that carry none, identical on re-delivery. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A JSON scalar as text; objects, arrays, null and undefined → undefined. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** Keeps only non-empty text values, truncated to the contract's limit, at most `max` keys. */
export function extras(pairs: Readonly<Record<string, unknown>>, max = 32): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [key, value] of Object.entries(pairs)) {
    if (n >= max) break;
    const text = scalarText(value);
    if (text === undefined || text === '') continue;
    out[key] = text.slice(0, 1024);
    n++;
  }
  return n === 0 ? undefined : out;
}

/** Drops undefined members so the strict contract sees only fields the source really had. */
export function defined(record: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}
