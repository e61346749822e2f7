import { SentinelaError } from '../../../errors.js';
import { isTimeZone } from '../../calendar/local-time.js';
import { decodeJsonValue, parseCdr, type CdrResult } from '../parse.js';
import { asteriskCsvDecoder, asteriskCustomDecoder, asteriskJsonDecoder } from './asterisk.js';
import { freeswitchJsonDecoder } from './freeswitch.js';
import { kamailioAccDecoder } from './kamailio.js';
import { mappingDecoder, type MappingSpec } from './mapping.js';
import type { Decoded, Decoder, DecoderOptions } from './types.js';
import { TENANT_NAME } from '../contract.js';
import { parseEvent, type EventResult } from '../../signalling/event.js';
import { asteriskAmiDecoder, asteriskSecurityDecoder } from '../../signalling/formats/asterisk.js';
import { freeswitchSecurityDecoder } from '../../signalling/formats/freeswitch.js';
import { canonicalEventDecoder, kamailioSecurityDecoder } from '../../signalling/formats/kamailio.js';

export const FORMATS = [
  'canonical',
  'asterisk-csv',
  'asterisk-custom',
  'asterisk-json',
  'freeswitch-json',
  'kamailio-acc',
  // security events (issue 18): src/domain/signalling/formats
  'event',
  'asterisk-security',
  'asterisk-ami',
  'freeswitch-security',
  'kamailio-security',
] as const;

/**
 * A format spec names a decoder and its options: `asterisk-csv;tz=UTC;encoding=latin1`,
 * `kamailio-acc;columns=reqtype/account/destination`, `mapping:wholesale-irsf;tenant=carrier1`.
 */
export interface FormatSpec {
  readonly name: string;
  readonly options: Readonly<Record<string, string>>;
}

const OPTION_NAMES = new Set(['tz', 'encoding', 'tenant', 'columns']);

export function parseFormatSpec(text: string): FormatSpec {
  const [name = '', ...pairs] = text.trim().split(';');
  const options: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    if (eq <= 0 || !OPTION_NAMES.has(key)) throw usage(`format ${text}: "${pair}" is not one of ${[...OPTION_NAMES].join(', ')} as key=value`);
    options[key] = pair.slice(eq + 1).trim();
  }
  if (!name.startsWith('mapping:') && !(FORMATS as readonly string[]).includes(name)) {
    throw usage(`unknown format "${name}": expected one of ${FORMATS.join(', ')} or mapping:NAME`);
  }
  if (options['tz'] !== undefined && !isTimeZone(options['tz'])) throw usage(`format ${text}: tz=${options['tz']} is not an IANA time zone`);
  if (options['encoding'] !== undefined && !['utf8', 'latin1'].includes(options['encoding'])) throw usage(`format ${text}: encoding must be utf8 or latin1`);
  if (options['tenant'] !== undefined && !TENANT_NAME.test(options['tenant']))
    throw usage(`format ${text}: tenant must be letters, digits, dot, underscore or hyphen`);
  return { name, options };
}

export interface DecoderContext {
  /** Default zone of wall-clock times (SENTINELA_TIMEZONE). */
  readonly timeZone: string;
  readonly mappings: ReadonlyMap<string, MappingSpec>;
}

/** A fresh decoder for one source (one topic partition or one file): correlating decoders keep state. */
export function createDecoder(spec: FormatSpec, ctx: DecoderContext): Decoder {
  const options: DecoderOptions = {
    timeZone: spec.options['tz'] ?? ctx.timeZone,
    encoding: spec.options['encoding'] === 'latin1' ? 'latin1' : 'utf8',
    tenant: spec.options['tenant'] ?? 'default',
  };
  if (spec.name.startsWith('mapping:')) {
    const name = spec.name.slice('mapping:'.length);
    const mapping = ctx.mappings.get(name);
    if (!mapping) throw usage(`no field mapping "${name}" (known: ${[...ctx.mappings.keys()].join(', ') || 'none'})`);
    return mappingDecoder(name, mapping, options);
  }
  switch (spec.name as (typeof FORMATS)[number]) {
    case 'canonical':
      return canonicalDecoder();
    case 'asterisk-csv':
      return asteriskCsvDecoder(options);
    case 'asterisk-custom':
      return asteriskCustomDecoder(options);
    case 'asterisk-json':
      return asteriskJsonDecoder(options);
    case 'freeswitch-json':
      return freeswitchJsonDecoder(options);
    case 'kamailio-acc': {
      const columns = spec.options['columns']?.split('/').filter((c) => c !== '');
      return kamailioAccDecoder(columns ? { ...options, columns } : options);
    }
    case 'event':
      return canonicalEventDecoder();
    case 'asterisk-security':
      return asteriskSecurityDecoder(options);
    case 'asterisk-ami':
      return asteriskAmiDecoder(options);
    case 'freeswitch-security':
      return freeswitchSecurityDecoder(options);
    case 'kamailio-security':
      return kamailioSecurityDecoder(options);
  }
}

/** The canonical JSON contract (README): the tenant is in the record itself. */
function canonicalDecoder(): Decoder {
  return {
    format: 'canonical',
    decode(payload) {
      const decoded = decodeJsonValue(payload);
      return [decoded.ok ? { kind: 'cdr', input: decoded.value as Record<string, unknown>, owned: true } : { kind: 'error', error: decoded.error }];
    },
  };
}

/** A validated record: a CDR or a security event (or why it was refused). */
export type RecordResult = CdrResult | EventResult;

/** Decoder output → validated CDRs and security events (or the reason each one was refused), in order. */
export function validate(decoded: readonly Decoded[]): RecordResult[] {
  return decoded.map((d) => (d.kind === 'error' ? { ok: false, error: d.error } : d.kind === 'cdr' ? parseCdr(d.input, d.owned) : parseEvent(d.input)));
}

function usage(message: string): SentinelaError {
  return new SentinelaError('CONFIG_INVALID', message, { path: 'format' });
}
