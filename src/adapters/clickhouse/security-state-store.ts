import type { LoginHistory } from '../../security/accounts.js';
import type { LoginLock, SecurityEventKind, SecurityStateStore, StoredSession } from '../../security/ports.js';
import type { Role } from '../../domain/security/roles.js';
import { ClickHouseAuditStore } from './audit-store.js';
import { insertRows, selectRows } from './queries.js';

/** An ended session's version: above any millisecond time (before 2286), so no later touch outranks the end. */
const ENDED_VERSION_BASE = 1e13;

const SESSION_COLUMNS = `id, user_name, role, tenant, extensions, ip, method, history, secret_sha256,
  toUnixTimestamp64Milli(created_at) AS created_ms, toUnixTimestamp64Milli(last_seen) AS seen_ms,
  toUnixTimestamp64Milli(ended_at) AS ended_ms, end_reason`;

/**
 * Sessions, EV03 failures and locks, EV14 denials and bars in ClickHouse (migration 006), read by every API
 * replica; bound parameters only.
 */
export class ClickHouseSecurityStateStore extends ClickHouseAuditStore implements SecurityStateStore {
  saveSession(s: StoredSession): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.sessions`,
      [
        {
          id: s.id,
          user_name: s.user,
          role: s.role,
          tenant: s.tenant,
          extensions: s.extensions,
          ip: s.ip,
          method: s.method,
          history: JSON.stringify(s.history),
          secret_sha256: s.secretSha256,
          created_at: s.createdAt,
          last_seen: s.lastSeen,
          ended_at: s.endedAt,
          end_reason: s.endReason,
          version: s.endedAt === null ? s.lastSeen : ENDED_VERSION_BASE + s.endedAt,
        },
      ],
      'none',
    );
  }

  async loadSession(id: string): Promise<{ session: StoredSession; superseded: boolean } | undefined> {
    // superseded: another session of the user opened later (creation times are distinct within a replica; two
    // replicas in the same millisecond are ordered by id). A session a login already ended as replaced does not
    // count: it would otherwise outrank the login that replaced it when both carry the same millisecond.
    const rows = await selectRows<SessionRow & { newest_id: string }>(
      this.client,
      `SELECT ${SESSION_COLUMNS}, n.newest_id FROM (SELECT * FROM ${this.db}.sessions FINAL WHERE id = {id:String}) AS s
       LEFT JOIN (
         SELECT user_name AS newest_user, argMax(id, (created_at, id)) AS newest_id FROM ${this.db}.sessions FINAL
         WHERE user_name IN (SELECT user_name FROM ${this.db}.sessions WHERE id = {id:String})
           AND NOT (ended_at IS NOT NULL AND end_reason = 'new login')
         GROUP BY user_name
       ) AS n ON n.newest_user = s.user_name`,
      { id },
      'load session',
    );
    const row = rows[0];
    return row && { session: sessionOf(row), superseded: row.newest_id !== row.id };
  }

  async openSessions(user: string): Promise<StoredSession[]> {
    const rows = await selectRows<SessionRow>(
      this.client,
      `SELECT ${SESSION_COLUMNS} FROM ${this.db}.sessions FINAL WHERE user_name = {user:String} AND ended_at IS NULL ORDER BY created_at`,
      { user },
      'open sessions',
    );
    return rows.map(sessionOf);
  }

  noteSecurityEvent(e: { kind: SecurityEventKind; user: string; ip: string; at: number }): Promise<void> {
    return insertRows(this.client, `${this.db}.security_events`, [{ kind: e.kind, user_name: e.user, ip: e.ip, at: e.at }], 'none');
  }

  async countSecurityEvents(q: { kind: SecurityEventKind; user?: string; ip?: string; since: number }): Promise<number> {
    const where = ['kind = {kind:String}', 'at > fromUnixTimestamp64Milli({since:Int64})'];
    if (q.user !== undefined) where.push('user_name = {user:String}');
    if (q.ip !== undefined) where.push('ip = {ip:String}');
    const [row] = await selectRows<{ n: string }>(
      this.client,
      `SELECT count() AS n FROM ${this.db}.security_events WHERE ${where.join(' AND ')}`,
      { kind: q.kind, since: q.since, user: q.user ?? '', ip: q.ip ?? '' },
      'count security events',
    );
    return Number(row?.n ?? 0);
  }

  async loginLock(user: string, ip: string): Promise<LoginLock | undefined> {
    const [row] = await selectRows<LockRow>(
      this.client,
      `${LOCK_SELECT(this.db)} WHERE user_name = {user:String} AND ip = {ip:String}`,
      { user, ip },
      'login lock',
    );
    return row && lockOf(row);
  }

  async loginLocks(user: string): Promise<LoginLock[]> {
    const rows = await selectRows<LockRow>(
      this.client,
      `${LOCK_SELECT(this.db)} WHERE user_name = {user:String} AND locked = 1 ORDER BY changed_at`,
      { user },
      'login locks',
    );
    return rows.map(lockOf);
  }

  saveLoginLock(l: LoginLock, version: number): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.login_locks`,
      [{ user_name: l.user, ip: l.ip, locked: l.locked ? 1 : 0, changed_at: l.changedAt, reason: l.reason, changed_by: l.changedBy, version }],
      'none',
    );
  }

  saveBar(b: { subject: string; until: number; at: number; reason: string }): Promise<void> {
    return insertRows(this.client, `${this.db}.access_bars`, [{ subject: b.subject, until: b.until, at: b.at, reason: b.reason, version: b.until }], 'none');
  }

  async activeBars(now: number): Promise<{ subject: string; until: number }[]> {
    const rows = await selectRows<{ subject: string; until_ms: string }>(
      this.client,
      `SELECT subject, toUnixTimestamp64Milli(until) AS until_ms FROM ${this.db}.access_bars FINAL WHERE until > fromUnixTimestamp64Milli({now:Int64})`,
      { now },
      'active bars',
    );
    return rows.map((r) => ({ subject: r.subject, until: Number(r.until_ms) }));
  }
}

interface SessionRow {
  id: string;
  user_name: string;
  role: Role;
  tenant: string;
  extensions: string[];
  ip: string;
  method: string;
  history: string;
  secret_sha256: string;
  created_ms: string | number;
  seen_ms: string | number;
  ended_ms: string | number | null;
  end_reason: string;
}

function sessionOf(r: SessionRow): StoredSession {
  return {
    id: r.id,
    user: r.user_name,
    role: r.role,
    tenant: r.tenant,
    extensions: r.extensions,
    ip: r.ip,
    method: r.method,
    history: JSON.parse(r.history) as LoginHistory,
    secretSha256: r.secret_sha256,
    createdAt: Number(r.created_ms),
    lastSeen: Number(r.seen_ms),
    endedAt: r.ended_ms === null ? null : Number(r.ended_ms),
    endReason: r.end_reason,
  };
}

const LOCK_SELECT = (db: string) =>
  `SELECT user_name, ip, locked, toUnixTimestamp64Milli(changed_at) AS changed_ms, reason, changed_by FROM ${db}.login_locks FINAL`;

interface LockRow {
  user_name: string;
  ip: string;
  locked: number;
  changed_ms: string;
  reason: string;
  changed_by: string;
}

const lockOf = (r: LockRow): LoginLock => ({
  user: r.user_name,
  ip: r.ip,
  locked: r.locked === 1,
  changedAt: Number(r.changed_ms),
  reason: r.reason,
  changedBy: r.changed_by,
});
