import { parse as parseCsv } from 'csv-parse/sync';
import { parseDuration } from '../rules/duration.js';
import { iso } from '../time/iso.js';
import { isActive, type HotlistEntry, type HotlistInput } from './hotlist-entry.js';

/**
 * Hotlist exchange formats, both directions, pure (text in, rows out):
 * - CSV: `type,value,tenant,source,category,expires_at,reason` (header required; empty cells take the defaults);
 * - APIBAN-style JSON pages: `{"ipaddress":[...],"ID":"<cursor>"}`, and `{"ipaddress":["no new bans"],"ID":"none"}`
 *   when nothing changed since the cursor (apiban.org answers that with HTTP 400; the client stops there).
 */
export const CSV_COLUMNS = ['type', 'value', 'tenant', 'source', 'category', 'expires_at', 'reason'] as const;

export interface ImportDefaults {
  readonly tenant: string;
  readonly source: string;
  /** Entries without expires_at expire this long after `now`; undefined: never. */
  readonly ttlMs?: number | undefined;
  readonly now: number;
}

export interface Rejected {
  readonly line: number;
  readonly value: string;
  readonly reason: string;
}

export interface ParsedRows {
  readonly rows: readonly { readonly line: number; readonly input: HotlistInput }[];
  readonly rejected: readonly Rejected[];
}

const defaultExpiry = (d: ImportDefaults) => (d.ttlMs === undefined ? null : d.now + d.ttlMs);

/** Reads an expiry cell: ISO-8601, a duration from now (`7d`), or `never`. */
function expiryOf(cell: string, d: ImportDefaults): number | null | string {
  if (cell === '') return defaultExpiry(d);
  if (cell === 'never') return null;
  const duration = parseDuration(cell);
  if (duration !== null) return d.now + duration;
  const at = /^\d{4}-\d{2}-\d{2}/.test(cell) ? Date.parse(cell) : NaN;
  return Number.isNaN(at) ? `expires_at "${cell}": an ISO-8601 time, a duration such as 7d, or never` : at;
}

export function parseHotlistCsv(text: string, d: ImportDefaults): ParsedRows {
  const rows: { line: number; input: HotlistInput }[] = [];
  const rejected: Rejected[] = [];
  let records: string[][];
  try {
    const parsed: string[][] = parseCsv(text, { relax_column_count: true, skip_empty_lines: true, trim: true, comment: '#' });
    records = parsed;
  } catch (err) {
    return { rows, rejected: [{ line: 0, value: '', reason: `not CSV: ${(err as Error).message}` }] };
  }
  const header = records[0]?.map((h) => h.toLowerCase()) ?? [];
  const col = (name: (typeof CSV_COLUMNS)[number]) => header.indexOf(name);
  if (col('type') < 0 || col('value') < 0) return { rows, rejected: [{ line: 1, value: header.join(','), reason: 'the header needs at least type,value' }] };
  // csv-parse reports no line numbers in sync array mode: count them from the text (comments and blank lines included)
  const lines = dataLines(text);
  records.slice(1).forEach((r, i) => {
    const line = lines[i + 1] ?? i + 2;
    const cell = (name: (typeof CSV_COLUMNS)[number]) => (col(name) >= 0 ? (r[col(name)] ?? '') : '');
    const type = cell('type').toLowerCase();
    const value = cell('value');
    if (type !== 'ip' && type !== 'number') return void rejected.push({ line, value, reason: `type "${type}": expected ip or number` });
    const expiresAt = expiryOf(cell('expires_at'), d);
    if (typeof expiresAt === 'string') return void rejected.push({ line, value, reason: expiresAt });
    const tenant = cell('tenant');
    rows.push({
      line,
      input: {
        kind: type,
        value,
        tenant: tenant === '*' || tenant === 'global' ? '' : tenant || d.tenant,
        source: cell('source') || d.source,
        category: cell('category') || undefined,
        reason: cell('reason') || undefined,
        expiresAt,
      },
    });
  });
  return { rows, rejected };
}

/** 1-based line numbers of the non-blank, non-comment lines (quoted newlines are rare in lists; they shift the count). */
function dataLines(text: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    const t = l.trim();
    if (t !== '' && !t.startsWith('#')) out.push(i + 1);
  });
  return out;
}

export interface ApibanPage {
  readonly ips: readonly string[];
  /** Addresses the feed no longer lists since the cursor (Sentinela's feed sends them; apiban.org never does). */
  readonly removed: readonly string[];
  /** The cursor to ask with next; null when the page says there is nothing new (`"ID":"none"`). */
  readonly next: string | null;
}

/** One APIBAN-style page; undefined when the JSON is not of that shape. */
export function parseApibanPage(json: unknown): ApibanPage | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const o = json as { ipaddress?: unknown; removed?: unknown; ID?: unknown };
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (typeof o.ID !== 'string' || !strings(o.ipaddress)) return undefined;
  if (o.removed !== undefined && !strings(o.removed)) return undefined;
  if (o.ID === 'none') return { ips: [], removed: [], next: null };
  return { ips: o.ipaddress, removed: o.removed ?? [], next: o.ID };
}

export interface ApibanBody {
  ipaddress: string[];
  removed?: string[];
  ID: string;
}

/** The answer when nothing changed since the cursor (apiban.org sends it with HTTP 400). */
export const noNewBans = (): ApibanBody => ({ ipaddress: ['no new bans'], ID: 'none' });

/** The values of changed entries that are removed or expired at `now` (candidates for a page's `removed`). */
export function endedValues(entries: readonly HotlistEntry[], now: number): string[] {
  return [...new Set(entries.filter((e) => !isActive(e, now)).map((e) => e.value))];
}

/**
 * An APIBAN-style page of IP entries changed since a cursor; removed ones are listed apart (APIBAN clients ignore the
 * field). A value is listed as removed only when no entry the caller sees still holds it (`stillLive`: the values an
 * entry visible to the caller holds in effect, on this page or not), so a consumer never ends its copy while a peer
 * still lists the address under another tenant, the global list or another source.
 */
export function apibanPage(entries: readonly HotlistEntry[], now: number, stillLive: ReadonlySet<string> = new Set()): ApibanBody {
  if (entries.length === 0) return noNewBans();
  const live = new Set(entries.filter((e) => isActive(e, now)).map((e) => e.value));
  return {
    ipaddress: [...live],
    removed: endedValues(entries, now).filter((v) => !live.has(v) && !stillLive.has(v)),
    ID: String(Math.max(...entries.map((e) => e.version))),
  };
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

export function hotlistCsv(entries: readonly HotlistEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) {
    const row = [e.kind, e.value, e.tenant === '' ? '*' : e.tenant, e.source, e.category, e.expiresAt === null ? 'never' : iso(e.expiresAt), e.reason];
    lines.push(row.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
