import { SentinelaError } from '../../../errors.js';
import { decodeJsonValue } from '../../cdr/parse.js';
import type { Decoder, DecoderOptions } from '../../cdr/formats/types.js';
import { lineDecoder, type LineResult } from './common.js';

/** What deploy/kamailio/security.cfg writes before the event, so the line is found in a shared log. */
export const KAMAILIO_MARKER = 'sentinela-event ';

/**
 * Kamailio has no security log of its own: deploy/kamailio/security.cfg writes one line per event, the canonical
 * event JSON (built with jansson, so a sender's quotes are escaped) after the marker, behind whatever prefix the
 * log adds (`0(123) NOTICE: <script>: ` on stderr, syslog's date, host and tag). The source address in it is
 * $si/$sp/$pr: the socket's, never a header's. A line without the marker is unrecognised; a marked line whose
 * JSON is broken (a line cut by syslog's length limit) is refused with the JSON decoder's code.
 */
function kamailioLine(line: string): LineResult {
  const at = line.indexOf(KAMAILIO_MARKER);
  const json = at >= 0 ? line.slice(at + KAMAILIO_MARKER.length) : line.trimStart().startsWith('{') ? line : undefined;
  if (json === undefined) return undefined;
  const decoded = decodeJsonValue(json.trim());
  if (!decoded.ok) return decoded.error;
  const value = decoded.value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return new SentinelaError('EVENT_INVALID', 'the event must be a JSON object', { path: '(root)' });
}

export function kamailioSecurityDecoder(options: DecoderOptions): Decoder {
  return lineDecoder('kamailio-security', options, kamailioLine);
}

/** The canonical security-event JSON (src/domain/signalling/event.ts) as is, like `canonical` for CDRs. */
export function canonicalEventDecoder(): Decoder {
  return {
    format: 'event',
    decode(payload) {
      const decoded = decodeJsonValue(payload);
      return [decoded.ok ? { kind: 'event', input: decoded.value as Record<string, unknown> } : { kind: 'error', error: decoded.error }];
    },
  };
}
