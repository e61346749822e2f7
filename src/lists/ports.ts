import type { Page } from '../api/ports.js';
import type { HotlistEntry, HotlistKind } from '../domain/lists/hotlist-entry.js';

export interface HotlistSearch {
  /** Only these tenants ('' is the global list); undefined: every tenant. */
  readonly tenants?: readonly string[] | undefined;
  readonly kind?: HotlistKind | undefined;
  /** Substring of the value. */
  readonly value?: string | undefined;
  readonly source?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

/** Where hotlist entries live (ClickHouse `hotlist_entries`, `hotlist_sync`; migration 008). */
export interface HotlistStore {
  /** New states of entries (an import, a renewal, a removal): rows with a newer version. */
  save(entries: readonly HotlistEntry[]): Promise<void>;
  /** Every entry in effect at `now` (the index of a role is built from them). */
  active(now: number): Promise<HotlistEntry[]>;
  /** Changes whenever an entry is written: the highest version and the row count (a cheap probe before a reload). */
  stamp(): Promise<string>;
  /**
   * Entries whose newest state is newer than `since` (removals and expiries included), oldest first: at most
   * `limit` versions' worth, never splitting one version across pages.
   */
  changedSince(q: { kind?: HotlistKind | undefined; since: number; limit: number; tenants?: readonly string[] | undefined }): Promise<HotlistEntry[]>;
  search(q: HotlistSearch, now: number): Promise<Page<HotlistEntry>>;
  find(id: string): Promise<HotlistEntry | undefined>;
  /** Which of these values an entry of these tenants (undefined: any) still holds in effect at `now`. */
  liveValues(q: { kind: HotlistKind; values: readonly string[]; tenants?: readonly string[] | undefined }, now: number): Promise<Set<string>>;
  /** The newest state of each of these entries that exists (a feed's removals, one query per page). */
  findAll(ids: readonly string[]): Promise<HotlistEntry[]>;
  /** The cursor a feed's last sync stopped at. */
  syncCursor(feed: string): Promise<string | undefined>;
  saveSyncCursor(feed: string, cursor: string, at: number): Promise<void>;
}
