import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkIp, type HotlistEntry, type HotlistInput } from '../domain/lists/hotlist-entry.js';
import { parseApibanPage, parseHotlistCsv, type Rejected } from '../domain/lists/hotlist-formats.js';
import { SentinelaError } from '../errors.js';
import type { Hotlists, Who } from './hotlists.js';
import type { HotlistStore } from './ports.js';

export type FeedFormat = 'csv' | 'apiban';

export interface SyncOptions {
  /** An http(s) URL or a file path. For apiban.org: `https://apiban.org/api/<KEY>/banned/{id}`. */
  readonly from: string;
  readonly format?: FeedFormat | undefined;
  /** Tenant of rows that name none; '' is the global list. */
  readonly tenant: string;
  readonly source?: string | undefined;
  readonly ttlMs?: number | undefined;
  readonly hotlists: Hotlists;
  readonly store: HotlistStore;
  readonly by: Who;
  readonly clock: () => number;
  readonly progress: (line: string) => void;
  /** Stops a feed that never says "no new bans". */
  readonly maxPages?: number;
}

export interface SyncSummary {
  readonly feed: string;
  readonly source: string;
  readonly pages: number;
  readonly stored: number;
  /** Entries of this feed ended because the feed lists them as removed (APIBAN-style `removed`). */
  readonly removed: number;
  readonly refused: readonly Rejected[];
  /** The cursor stored for the next sync (APIBAN-style feeds). */
  readonly cursor?: string | undefined;
}

/**
 * Sources a feed may not be named after: operators' entries (`operator:<id>`, routes/lists.ts) and ranges learned
 * from confirmed alerts (`alert:<id>`, hotlists.ts). A feed's removals end the entries of its source, so a feed
 * named so could end them.
 */
export const RESERVED_SOURCE_PREFIXES = ['operator:', 'alert:'] as const;

export const isReservedSource = (source: string): boolean => RESERVED_SOURCE_PREFIXES.some((p) => source.startsWith(p));

/** An address as entries store it (the IP check's output), or as written when it is not one. */
function normalIp(raw: string): string {
  const checked = checkIp(raw);
  return checked.ok ? checked.value : raw;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** The format a feed is in when not told: `.csv` files are CSV, everything else APIBAN-style JSON. */
export function feedFormat(from: string, format?: FeedFormat): FeedFormat {
  return format ?? (/\.csv(\?|$)/i.test(from) ? 'csv' : 'apiban');
}

function defaultSource(from: string, format: FeedFormat): string {
  if (!isUrl(from)) return `file:${basename(from)}`;
  const host = new URL(from).hostname;
  return format === 'apiban' && host.endsWith('apiban.org') ? 'apiban' : `url:${host}`;
}

/** A feed as it may be stored, audited and shown: an API key in an APIBAN URL path (`/api/KEY/`) masked. */
export function redactFeed(from: string): string {
  return from.replace(/(\/api\/)[^/?#]+/, '$1***');
}

async function fetchText(url: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, { headers: { accept: 'application/json, text/csv' }, signal: AbortSignal.timeout(30_000) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    throw new SentinelaError('HOTLIST_FETCH_FAILED', `${redactFeed(url)}: ${(err as Error).message}`);
  }
}

async function readText(from: string): Promise<string> {
  if (isUrl(from)) {
    const { status, text } = await fetchText(from);
    if (status !== 200) throw new SentinelaError('HOTLIST_FETCH_FAILED', `${redactFeed(from)}: HTTP ${status}`);
    return text;
  }
  return readFile(from, 'utf8').catch((err: Error) => {
    throw new SentinelaError('HOTLIST_FETCH_FAILED', `${from}: ${err.message}`);
  });
}

/** The URL of the page after `cursor`: `{id}` in the URL is replaced (apiban.org), else `?since=` (Sentinela's own feed). */
export function pageUrl(from: string, cursor: string | undefined): string {
  if (from.includes('{id}')) return from.replace('{id}', encodeURIComponent(cursor ?? '100'));
  if (cursor === undefined) return from;
  const url = new URL(from);
  url.searchParams.set('since', cursor);
  return url.toString();
}

/**
 * `sentinela lists sync`: imports a CSV or an APIBAN-style feed. An APIBAN-style URL is followed page by page
 * along its ID cursor until it answers "no new bans"; the cursor is stored after every page, so the next sync asks
 * only for what changed (an interrupted sync resumes). Bad rows come back with their line (or item number) and reason.
 */
export async function syncHotlist(o: SyncOptions): Promise<SyncSummary> {
  const format = feedFormat(o.from, o.format);
  const source = o.source ?? defaultSource(o.from, format);
  const feed = redactFeed(o.from);
  const meta = { source, feed };
  const defaults = { tenant: o.tenant, source, ttlMs: o.ttlMs, now: o.clock() };
  if (format === 'csv') {
    const parsed = parseHotlistCsv(await readText(o.from), defaults);
    const result = await o.hotlists.import(parsed.rows, meta, o.by, { audit: false });
    const refused = [...parsed.rejected, ...result.refused].sort((a, b) => a.line - b.line);
    o.progress(`${feed}: ${parsed.rows.length + parsed.rejected.length} rows, stored ${result.stored}, refused ${refused.length}`);
    await o.hotlists.auditImport(meta, { stored: result.stored, refused, pages: 1 }, o.by);
    return { feed, source, pages: 1, stored: result.stored, removed: 0, refused };
  }
  let cursor = isUrl(o.from) ? await o.store.syncCursor(feed) : undefined;
  let pages = 0;
  let stored = 0;
  let item = 0;
  const removed: HotlistEntry[] = [];
  const refused: Rejected[] = [];
  const ipRow = (value: string): { line: number; input: HotlistInput } => ({
    line: ++item,
    input: { kind: 'ip', value, tenant: o.tenant, source, category: 'sip-scanner', expiresAt: o.ttlMs === undefined ? null : o.clock() + o.ttlMs },
  });
  // pages already taken stay stored (and entries ended): a sync that fails later is audited with what it did
  let failed: string | undefined;
  try {
    for (;;) {
      if (pages >= (o.maxPages ?? 10_000)) throw new SentinelaError('HOTLIST_FETCH_FAILED', `${feed}: more than ${pages} pages without "no new bans"`);
      const url = isUrl(o.from) ? pageUrl(o.from, cursor) : o.from;
      const { status, text } = isUrl(o.from) ? await fetchText(url) : { status: 200, text: await readText(o.from) };
      let page;
      try {
        page = parseApibanPage(JSON.parse(text));
      } catch {
        page = undefined;
      }
      // apiban.org ends the list with HTTP 400 {"ipaddress":["no new bans"],"ID":"none"}; any other non-200 is a failure
      if (!page || (status !== 200 && page.next !== null)) {
        throw new SentinelaError('HOTLIST_FETCH_FAILED', `${redactFeed(url)}: HTTP ${status}, not an APIBAN-style page: ${text.slice(0, 120)}`);
      }
      if (page.next === null) {
        o.progress(`${feed}: no new bans after ID ${cursor ?? '(start)'}`);
        break;
      }
      pages++;
      const result = await o.hotlists.import(page.ips.map(ipRow), meta, o.by, { audit: false });
      stored += result.stored;
      refused.push(...result.refused);
      // removals after the page's additions: an address both listed and removed on one page stays listed
      // compared as stored (2001:DB8::1 is 2001:db8::1); an address that does not parse is refused by endImported
      const listed = new Set(page.ips.map(normalIp));
      const ends = await o.hotlists.endImported(
        page.removed.filter((ip) => !listed.has(normalIp(ip))).map((value) => ({ line: ++item, value })),
        { tenant: o.tenant, kind: 'ip', source },
        o.by,
      );
      removed.push(...ends.ended);
      refused.push(...ends.refused);
      cursor = page.next;
      if (isUrl(o.from)) await o.store.saveSyncCursor(feed, cursor, o.clock());
      const endedText = page.removed.length > 0 ? `, removed upstream ${page.removed.length} (ended here ${ends.ended.length})` : '';
      o.progress(
        `page ${pages}: ${page.ips.length} addresses, stored ${result.stored}, refused ${result.refused.length + ends.refused.length}${endedText}, next ID ${cursor}`,
      );
      if (!isUrl(o.from)) break; // a file holds one page
    }
  } catch (err) {
    failed = err instanceof SentinelaError ? `${err.code}: ${err.message}` : String(err);
    throw err;
  } finally {
    await o.hotlists.auditImport(meta, { stored, refused, pages, removed, failed }, o.by);
  }
  return { feed, source, pages, stored, removed: removed.length, refused, cursor };
}
