import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

/** Reads a CSV from test/fixtures/numbering (copied from ../shared/data, see test/fixtures/README.md). */
export function numberingCsv<T extends Record<string, string>>(file: string): T[] {
  return parse<T>(readFileSync(new URL(`../../fixtures/numbering/${file}`, import.meta.url)), { columns: true, skip_empty_lines: true });
}
