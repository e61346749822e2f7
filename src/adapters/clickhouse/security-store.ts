import type { ApiKeyRecord, SecurityStore, UserRecord } from '../../security/ports.js';
import type { Role } from '../../domain/security/roles.js';
import { insertRows, selectRows } from './queries.js';
import { ClickHouseSecurityStateStore } from './security-state-store.js';

const ms = (v: string | null) => (v === null ? null : Number(v));

/**
 * Users, PBX API keys and audit switches in ClickHouse, with the shared session and lockout state and the audit
 * chains; bound parameters only.
 */
export class ClickHouseSecurityStore extends ClickHouseSecurityStateStore implements SecurityStore {
  async findUser(name: string): Promise<UserRecord | undefined> {
    const rows = await selectRows<UserRow>(this.client, `${USER_SELECT(this.db)} WHERE u.name = {name:String} LIMIT 1`, { name }, 'find user');
    return rows[0] && userOf(rows[0]);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await selectRows<UserRow>(this.client, `${USER_SELECT(this.db)} ORDER BY u.name`, {}, 'list users')).map(userOf);
  }

  saveUser(u: UserRecord, version: number): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.users`,
      [
        {
          name: u.name,
          role: u.role,
          full_name: u.fullName,
          tenant: u.tenant,
          extensions: u.extensions,
          password_hash: u.passwordHash,
          password_history: u.passwordHistory,
          locked: u.locked ? 1 : 0,
          locked_reason: u.lockedReason,
          last_login_at: u.lastLogin?.at ?? null,
          last_login_ip: u.lastLogin?.ip ?? '',
          last_login_method: u.lastLogin?.method ?? '',
          created_at: u.createdAt,
          created_by: u.createdBy,
          version,
        },
      ],
      'none',
    );
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await selectRows<{
      id: string;
      tenant: string;
      name: string;
      secret_sha256: string;
      created: string;
      created_by: string;
      revoked: string | null;
      revoked_by: string;
    }>(
      this.client,
      `SELECT id, tenant, name, secret_sha256, toUnixTimestamp64Milli(created_at) AS created, created_by, toUnixTimestamp64Milli(revoked_at) AS revoked, revoked_by
       FROM ${this.db}.api_keys FINAL ORDER BY created_at, id`,
      {},
      'list api keys',
    );
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      name: r.name,
      secretSha256: r.secret_sha256,
      createdAt: Number(r.created),
      createdBy: r.created_by,
      revokedAt: ms(r.revoked),
      revokedBy: r.revoked_by,
    }));
  }

  saveApiKey(k: ApiKeyRecord, version: number): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.api_keys`,
      [
        {
          id: k.id,
          tenant: k.tenant,
          name: k.name,
          secret_sha256: k.secretSha256,
          created_at: k.createdAt,
          created_by: k.createdBy,
          revoked_at: k.revokedAt,
          revoked_by: k.revokedBy,
          version,
        },
      ],
      'none',
    );
  }

  async auditSwitches(): Promise<Record<string, boolean>> {
    const rows = await selectRows<{ event_type: string; enabled: number }>(
      this.client,
      `SELECT event_type, enabled FROM ${this.db}.audit_settings FINAL`,
      {},
      'audit switches',
    );
    return Object.fromEntries(rows.map((r) => [r.event_type, r.enabled === 1]));
  }

  saveAuditSwitch(eventType: string, enabled: boolean, by: string, at: number): Promise<void> {
    return insertRows(
      this.client,
      `${this.db}.audit_settings`,
      [{ event_type: eventType, enabled: enabled ? 1 : 0, changed_by: by, changed_at: at, version: at }],
      'none',
    );
  }
}

/** A user with A8's last failure and failures since their last login (or creation), counted from security_events. */
const USER_SELECT = (db: string) => `SELECT u.name AS name, role, full_name, tenant, extensions, password_hash, password_history, locked,
  locked_reason, toUnixTimestamp64Milli(last_login_at) AS login_ms, last_login_ip, last_login_method,
  if(f.failures = 0, NULL, toUnixTimestamp64Milli(f.last_at)) AS failure_ms, f.last_ip AS last_failure_ip, f.failures AS failures_since,
  toUnixTimestamp64Milli(created_at) AS created_ms, created_by
  FROM (SELECT * FROM ${db}.users FINAL) AS u
  LEFT JOIN (
    SELECT e.user_name AS failed_user, max(e.at) AS last_at, argMax(e.ip, e.at) AS last_ip, count() AS failures
    FROM ${db}.security_events AS e
    INNER JOIN (SELECT name, greatest(ifNull(last_login_at, created_at), created_at) AS since FROM ${db}.users FINAL) AS s ON e.user_name = s.name
    WHERE e.kind = 'login.failure' AND e.at > s.since GROUP BY e.user_name
  ) AS f ON f.failed_user = u.name`;

interface UserRow {
  name: string;
  role: Role;
  full_name: string;
  tenant: string;
  extensions: string[];
  password_hash: string;
  password_history: string[];
  locked: number;
  locked_reason: string;
  login_ms: string | null;
  last_login_ip: string;
  last_login_method: string;
  failure_ms: string | null;
  last_failure_ip: string;
  failures_since: string | number;
  created_ms: string;
  created_by: string;
}

function userOf(r: UserRow): UserRecord {
  return {
    name: r.name,
    role: r.role,
    fullName: r.full_name,
    tenant: r.tenant,
    extensions: r.extensions,
    passwordHash: r.password_hash,
    passwordHistory: r.password_history,
    locked: r.locked === 1,
    lockedReason: r.locked_reason,
    lastLogin: r.login_ms === null ? null : { at: Number(r.login_ms), ip: r.last_login_ip, method: r.last_login_method },
    lastFailure: r.failure_ms === null ? null : { at: Number(r.failure_ms), ip: r.last_failure_ip },
    failuresSince: Number(r.failures_since),
    createdAt: Number(r.created_ms),
    createdBy: r.created_by,
  };
}
