import { readFileSync } from 'node:fs';
import { createDecoder, parseFormatSpec, validate, type RecordResult } from '../../../../src/domain/cdr/formats/registry.js';
import type { SecurityEvent } from '../../../../src/domain/signalling/event.js';
import type { SentinelaError } from '../../../../src/errors.js';

export const DIR = 'test/fixtures/signalling';

export interface Decoded {
  /** One entry per record that yielded something: an event or the error that refused it. */
  readonly results: RecordResult[];
  readonly skipped: number;
}

/** Decodes a fixture as a stream sees it: one record per payload (lines, or AMI blocks), bytes left to the decoder. */
export function decodeFixture(file: string, spec: string, separator: 'line' | 'block' = 'line'): Decoded {
  const decoder = createDecoder(parseFormatSpec(spec), { timeZone: 'America/Sao_Paulo', mappings: new Map() });
  const bytes = readFileSync(`${DIR}/${file}`);
  const results: RecordResult[] = [];
  const text = bytes.toString('latin1'); // 1 char = 1 byte: offsets found here cut the raw bytes
  const cut = separator === 'line' ? /\n/g : /\r\n\r\n/g;
  let start = 0;
  for (const m of [...text.matchAll(cut), { index: text.length, 0: '' }]) {
    const record = bytes.subarray(start, m.index);
    start = (m.index ?? 0) + m[0].length;
    if (record.length > 0) results.push(...validate(decoder.decode(record, results.length + 1)));
  }
  return { results, skipped: decoder.skipped?.() ?? 0 };
}

export const eventsOf = (d: Decoded): SecurityEvent[] => d.results.flatMap((r) => (r.ok && 'event' in r ? [r.event] : []));
export const errorsOf = (d: Decoded): SentinelaError[] => d.results.flatMap((r) => (r.ok ? [] : [r.error]));

/** Decodes one text record with a fresh decoder. */
export function decodeOne(spec: string, record: string | Uint8Array): Decoded {
  const decoder = createDecoder(parseFormatSpec(spec), { timeZone: 'America/Sao_Paulo', mappings: new Map() });
  return { results: validate(decoder.decode(record, 1)), skipped: decoder.skipped?.() ?? 0 };
}
