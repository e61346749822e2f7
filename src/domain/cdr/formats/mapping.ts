import { tz } from '@date-fns/tz';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseDate } from 'date-fns';
import { z } from 'zod';
import { CANONICAL_FIELDS } from '../contract.js';
import { defined, digest, epochSeconds, extras, failure, payloadText, scalarText, wallClock } from './fields.js';
import { parseJsonObject, pick } from './json.js';
import type { Decoded, Decoder, DecoderOptions } from './types.js';

/** A source field: a CSV column name or JSON path, optionally with a prefix, a value table and a default. */
const fieldSpec = z.union([
  z.string().min(1),
  z.strictObject({
    from: z.string().min(1).optional(),
    value: z.union([z.string(), z.number()]).optional(),
    prefix: z.string().optional(),
    map: z.record(z.string(), z.string()).optional(),
    default: z.union([z.string(), z.number()]).optional(),
  }),
]);
type FieldSpec = z.infer<typeof fieldSpec>;

const TIME_FIELDS = new Set(['startedAt', 'answeredAt', 'endedAt']);
const NUMBER_FIELDS = new Set(['durationSec', 'billSec', 'cost']);

/** A field-mapping file (rules/mappings/NAME.yaml): how an arbitrary CSV or JSON export becomes canonical CDRs. */
export const mappingSpec = z
  .strictObject({
    description: z.string().optional(),
    source: z.string().optional(),
    syntax: z.enum(['csv', 'json']),
    delimiter: z.string().length(1).default(','),
    /** CSV: column names in order. A row equal to them (the header) is skipped. */
    columns: z.array(z.string().min(1)).min(1).optional(),
    /** `iso`, `epoch` (seconds), `epoch_ms` or a date-fns pattern such as `dd/MM/yyyy H:mm`. */
    timeFormat: z.string().min(1).default('iso'),
    /** Zone of wall-clock times without an offset (REQUIREMENTS A12). Default: the source's zone. */
    timeZone: z.string().optional(),
    fields: z.partialRecord(z.enum(CANONICAL_FIELDS), fieldSpec),
    extra: z.record(z.string().min(1), z.string().min(1)).optional(),
  })
  .check((ctx) => {
    if (ctx.value.syntax === 'csv' && !ctx.value.columns) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['columns'], message: 'required for csv' });
    for (const required of ['account', 'caller', 'callee', 'startedAt', 'durationSec'] as const) {
      if (!ctx.value.fields[required]) ctx.issues.push({ code: 'custom', input: ctx.value, path: ['fields', required], message: 'must be mapped' });
    }
  });
export type MappingSpec = z.output<typeof mappingSpec>;

/**
 * The field-mapping decoder: an operator maps a new exporter without code. Derived when not mapped:
 * endedAt = startedAt + durationSec; billSec = durationSec; disposition = ANSWERED when billSec > 0 else
 * NO ANSWER; answeredAt = endedAt - billSec for answered calls; id = a digest of the record plus its position
 * (Kafka offset or line number): a re-delivered record keeps its id, and identical records at different positions
 * stay distinct calls (minute-precision exports repeat rows for real repeated calls). Map an id column when the
 * export has one: then a record re-sent at a new position is recognised as the same call.
 */
export function mappingDecoder(name: string, spec: MappingSpec, options: DecoderOptions): Decoder {
  const zone = spec.timeZone ?? options.timeZone;
  const header = spec.columns?.join('\u001f');
  type Row = { readonly record: Record<string, unknown> } | { readonly failure: Decoded };
  const records = (text: string): Row[] => {
    if (spec.syntax === 'json') {
      const parsed = parseJsonObject(text);
      return [parsed.ok ? { record: parsed.value } : { failure: parsed.failure }];
    }
    let rows: string[][];
    try {
      const parsed: string[][] = parseCsv(text, { delimiter: spec.delimiter, relax_column_count: true, skip_empty_lines: true });
      rows = parsed;
    } catch (err) {
      return [{ failure: failure('CDR_INVALID', `not a CSV record: ${(err as Error).message}`) }];
    }
    const columns = spec.columns as string[];
    return rows
      .filter((row) => row.join('\u001f') !== header)
      .map((row) =>
        row.length === columns.length
          ? { record: Object.fromEntries(columns.map((c, i) => [c, row[i]])) }
          : { failure: failure('CDR_INVALID', `expected ${columns.length} columns (mapping ${name}), found ${row.length}`) },
      );
  };

  const toCanonical = (record: Record<string, unknown>, ref: number): Decoded => {
    const out: Record<string, unknown> = {};
    for (const field of CANONICAL_FIELDS) {
      const fs = spec.fields[field];
      if (!fs) continue;
      const raw = read(record, fs);
      if (raw === undefined) continue;
      if (TIME_FIELDS.has(field)) {
        const t = instant(raw, spec.timeFormat, zone);
        if (t === undefined) return failure('CDR_INVALID', `${field}: ${JSON.stringify(raw)} does not match time format ${spec.timeFormat}`, field);
        out[field] = t;
      } else if (NUMBER_FIELDS.has(field)) {
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n)) return failure('CDR_INVALID', `${field}: ${JSON.stringify(raw)} is not a number`, field);
        out[field] = field === 'cost' ? n : Math.round(n);
      } else out[field] = raw;
    }
    const duration = out['durationSec'] as number | undefined;
    out['billSec'] ??= duration;
    if (out['endedAt'] === undefined && typeof out['startedAt'] === 'number' && duration !== undefined) out['endedAt'] = out['startedAt'] + duration * 1000;
    const bill = out['billSec'] as number | undefined;
    out['disposition'] ??= bill !== undefined && bill > 0 ? 'ANSWERED' : 'NO ANSWER';
    if (out['answeredAt'] === undefined) {
      out['answeredAt'] = out['disposition'] === 'ANSWERED' && typeof out['endedAt'] === 'number' ? out['endedAt'] - (bill ?? 0) * 1000 : null;
    }
    out['tenant'] ??= options.tenant;
    out['id'] ??= `${name}-${digest(JSON.stringify(record))}-${ref}`;
    const extra = extras(Object.fromEntries(Object.entries(spec.extra ?? {}).map(([key, from]) => [key, read(record, from)])));
    if (extra) out['extra'] = extra;
    return { kind: 'cdr', input: defined(out) };
  };

  return {
    format: `mapping:${name}`,
    decode(payload, ref) {
      const text = payloadText(payload, options);
      if (typeof text !== 'string') return [text];
      return records(text).map((row) => ('failure' in row ? row.failure : toCanonical(row.record, ref)));
    },
  };
}

function read(record: Record<string, unknown>, fs: FieldSpec): string | undefined {
  const spec = typeof fs === 'string' ? { from: fs } : fs;
  const value: unknown = spec.value ?? (spec.from === undefined ? undefined : Object.hasOwn(record, spec.from) ? record[spec.from] : pick(record, spec.from));
  let text = scalarText(value)?.trim();
  if (text === undefined || text === '') text = spec.default === undefined ? undefined : String(spec.default);
  if (text === undefined) return undefined;
  if (spec.map) text = spec.map[text] ?? (spec.default === undefined ? text : String(spec.default));
  return spec.prefix && !text.startsWith(spec.prefix) ? `${spec.prefix}${text}` : text;
}

function instant(text: string, format: string, zone: string): number | undefined {
  if (format === 'epoch') return epochSeconds(text);
  if (format === 'epoch_ms') return /^\d+$/.test(text) ? Number(text) : undefined;
  if (format === 'iso') {
    if (/(Z|[+-]\d\d:?\d\d)$/.test(text)) {
      const t = Date.parse(text);
      return Number.isNaN(t) ? undefined : t;
    }
    return wallClock(text, zone);
  }
  const t = parseDate(text, format, new Date(0), { in: tz(zone) }).getTime();
  return Number.isNaN(t) ? undefined : t;
}
