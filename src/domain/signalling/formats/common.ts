import { SentinelaError } from '../../../errors.js';
import { defined, payloadText } from '../../cdr/formats/fields.js';
import type { Decoded, Decoder, DecoderOptions } from '../../cdr/formats/types.js';
import { blankControls, rawLine, TRANSPORTS } from '../event.js';

/**
 * What one line (or AMI block) of a PBX's security output is:
 * - an event input (reshaped, validated later by parseEvent),
 * - 'skip': recognised and irrelevant (a challenge sent, a continuation line): counted, yields nothing,
 * - undefined: matches none of the source's patterns → EVENT_UNRECOGNISED (dead-lettered, counted per source),
 *   so a log format change is loud instead of silently matching nothing (fail2ban#2316),
 * - an error: recognised but unreadable (an embedded JSON document that is not JSON).
 */
export type LineResult = Record<string, unknown> | 'skip' | undefined | SentinelaError;

export const LINES = (text: string): string[] => text.split(/\r?\n/);

/** A decoder of line-oriented sources; a payload holding several records (a file chunk) is decoded record by record. */
export function lineDecoder(format: string, options: DecoderOptions, decodeLine: (line: string) => LineResult, split = LINES): Decoder {
  let skipped = 0;
  return {
    format,
    decode(payload) {
      const text = payloadText(payload, options);
      if (typeof text !== 'string') return [text];
      const out: Decoded[] = [];
      for (const line of split(text)) {
        if (line.trim() === '') continue; // a blank record carries nothing to count
        const result = decodeLine(line);
        if (result === 'skip') skipped++;
        else if (result === undefined) out.push(unrecognised(format, line));
        else if (result instanceof SentinelaError) out.push({ kind: 'error', error: result });
        else out.push({ kind: 'event', input: defined({ tenant: options.tenant, raw: rawLine(line), ...result }) });
      }
      return out;
    },
    skipped: () => skipped,
  };
}

export function unrecognised(format: string, line: string): Decoded {
  const excerpt = rawLine(line).slice(0, 160);
  return { kind: 'error', error: new SentinelaError('EVENT_UNRECOGNISED', `${format}: line matches no known pattern: ${excerpt}`, { path: 'raw' }) };
}

const ANSI = new RegExp(String.fromCharCode(0x1b) + '\\[[0-9;?]*[A-Za-z]', 'g');

/** Console logs carry ANSI colour sequences (fs_cli, `asterisk -r` captures); they are not part of the message. */
export function stripAnsi(line: string): string {
  return line.replace(ANSI, '');
}

/**
 * A sender-controlled value (user name, Call-ID, user agent) made acceptable to the contract: control characters
 * become spaces and it is cut to `max`, so a 300-character user name cannot get a failure refused (and uncounted).
 */
export function clean(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const s = blankControls(value).trim().slice(0, max).trim();
  return s ? s : undefined;
}

/** `[2001:db8::1]` → `2001:db8::1`; `::ffff:203.0.113.7` (IPv4-mapped) → `203.0.113.7`. Validity is the contract's. */
export function plainIp(text: string): string {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  return mapped?.[1] ?? bare;
}

/** A transport name as the contract spells it (`UDP` → `udp`), or undefined when it is none of them. */
export function transportOf(text: string | undefined): string | undefined {
  const t = text?.trim().toLowerCase();
  return t !== undefined && (TRANSPORTS as readonly string[]).includes(t) ? t : undefined;
}

/** A port number from text, or undefined (the contract checks the range). */
export function portOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,5}$/.test(text) ? Number(text) : undefined;
}

/** A SIP method as the contract wants it, or undefined. */
export function methodOf(text: string | undefined): string | undefined {
  const m = text?.trim().toUpperCase();
  return m !== undefined && /^[A-Z]{2,16}$/.test(m) ? m : undefined;
}

/**
 * `2015-05-24T08:42:16.296+0300` (Asterisk's EventTV; the offset with or without colon) → epoch ms. Undefined for
 * anything else, so the caller can pass the text on and the contract names the field.
 */
export function isoOffsetMs(text: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d\d):?(\d\d))$/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const offset = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms) - offset;
  return Number.isNaN(t) ? undefined : t;
}
