import { parse as parseCsv } from 'csv-parse/sync';
import { RATE_CLASSES, type RateClass, type RateEntry } from '../../domain/cost/rate-table.js';
import { SentinelaError } from '../../errors.js';

const COLUMNS = ['prefix', 'class', 'name', 'brl_per_minute', 'source'] as const;
const CLASSES: ReadonlySet<string> = new Set(RATE_CLASSES);

/**
 * Parses `rules/rates.csv` (columns prefix, class, name, brl_per_minute, source; `#` comment lines). A bad row stops
 * startup with RULES_INVALID naming the file, the line and the field: a price list that silently lost rows would
 * under-estimate exposure.
 */
export function parseRateTable(path: string, text: string): RateEntry[] {
  type Row = { record: Record<string, string>; info: { lines: number } };
  let rows: Row[];
  try {
    rows = parseCsv<Row>(text, { columns: true, skip_empty_lines: true, comment: '#', trim: true, info: true });
  } catch (err) {
    throw new SentinelaError('RULES_INVALID', `${path}: not a valid CSV: ${(err as Error).message}`, {}, { cause: err });
  }
  const seen = new Map<string, number>();
  let invalidRows = 0;
  const entries = rows.map(({ record: row, info }) => {
    const line = `${path}: line ${info.lines}`;
    const fail = (field: string, message: string) => new SentinelaError('RULES_INVALID', `${line}: ${field}: ${message}`, { path: field });
    for (const column of COLUMNS) if (!row[column] && row[column] !== '0') throw fail(column, `is required (columns: ${COLUMNS.join(', ')})`);
    const prefix = (row['prefix'] as string).replace(/^\+/, '');
    const rateClass = row['class'] as string;
    if (!CLASSES.has(rateClass)) throw fail('class', `must be one of ${RATE_CLASSES.join(', ')}`);
    if (rateClass === 'invalid' ? prefix !== '*' : !/^\d{1,15}$/.test(prefix)) {
      throw fail('prefix', rateClass === 'invalid' ? 'the invalid default is the * row' : 'must be 1-15 digits (or * for the invalid default)');
    }
    const rate = row['brl_per_minute'] as string;
    if (!/^\d+(?:\.\d+)?$/.test(rate) || !Number.isFinite(Number(rate))) throw fail('brl_per_minute', 'must be a non-negative number such as 0.25');
    // two rows of one prefix are ambiguous, except the fixed and mobile defaults of a country
    const slot = `${prefix}\u0000${rateClass === 'national-mobile' ? 'mobile' : 'other'}`;
    const other = seen.get(slot);
    if (other !== undefined) throw fail('prefix', `${prefix} is already priced on line ${other}`);
    seen.set(slot, info.lines);
    if (prefix === '*') invalidRows++;
    return { prefix, rateClass: rateClass as RateClass, name: row['name'] as string, brlPerMinute: Number(rate), source: row['source'] as string };
  });
  if (entries.length > 0 && invalidRows === 0) {
    throw new SentinelaError('RULES_INVALID', `${path}: prefix: needs the * row (class invalid) pricing invalid, unallocated and unlisted numbers`, {
      path: 'prefix',
    });
  }
  return entries;
}
