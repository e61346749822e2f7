import type { ApibanBody } from '../domain/lists/hotlist-formats.js';
import { apibanPage, endedValues } from '../domain/lists/hotlist-formats.js';
import { CHUNK } from './hotlists.js';
import type { HotlistStore } from './ports.js';

/**
 * The producer side of a feed (`GET /v1/lists/ips`, `lists export --format apiban`): the IP entries a caller sees
 * changed since a cursor, with a removed value listed only when no entry the caller sees still holds it in effect.
 */
export async function ipFeedPage(
  store: HotlistStore,
  q: { since: number; limit: number; tenants?: readonly string[] | undefined },
  now: number,
): Promise<ApibanBody> {
  const changed = await store.changedSince({ kind: 'ip', since: q.since, limit: q.limit, tenants: q.tenants });
  const ended = endedValues(changed, now);
  const stillLive = new Set<string>();
  for (let i = 0; i < ended.length; i += CHUNK) {
    for (const v of await store.liveValues({ kind: 'ip', values: ended.slice(i, i + CHUNK), tenants: q.tenants }, now)) stillLive.add(v);
  }
  return apibanPage(changed, now, stillLive);
}
