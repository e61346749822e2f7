import { createHash, randomBytes } from 'node:crypto';
import { sameHex } from '../domain/security/audit-chain.js';
import type { Role } from '../domain/security/roles.js';
import type { LoginHistory } from './accounts.js';

export const IDLE_LIMIT_MS = 5 * 60_000; // A7: re-authenticate after 5 min of inactivity
export const SESSION_MAX_MS = 12 * 3_600_000;

export interface Session {
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  readonly tenant: string;
  readonly extensions: readonly string[];
  readonly ip: string;
  readonly method: string;
  /** A8: the previous login, the last failure and failures since, as they were when this session opened. */
  readonly history: LoginHistory;
  readonly createdAt: number;
  lastSeen: number;
  readonly secretSha256: string;
}

export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: 'unknown' | 'idle' | 'expired' | 'other-ip'; session?: Session };

/**
 * Management sessions (A7), in this process's memory: a token is `<id>.<secret>` (256 random bits), kept only as
 * a SHA-256; it is bound to the session and the client address, dies after 5 min idle or 12 h, at logout, and
 * when the same user logs in again (one concurrent session per user). A token that ended is never valid again.
 */
export class SessionBook {
  private readonly byId = new Map<string, Session>();
  private readonly byUser = new Map<string, string>();

  /** Opens a session and ends the user's previous one (returned, to be audited). */
  open(
    u: { user: string; role: Role; tenant: string; extensions: readonly string[]; ip: string; method: string; history: LoginHistory },
    now: number,
  ): { token: string; session: Session; ended: Session | undefined } {
    const ended = this.endUser(u.user);
    const id = randomBytes(12).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const session: Session = { ...u, id, createdAt: now, lastSeen: now, secretSha256: sha256(secret) };
    this.byId.set(id, session);
    this.byUser.set(u.user, id);
    return { token: `${id}.${secret}`, session, ended };
  }

  check(token: string, ip: string, now: number): SessionCheck {
    const dot = token.indexOf('.');
    const session = dot > 0 ? this.byId.get(token.slice(0, dot)) : undefined;
    if (!session || !sameHex(sha256(token.slice(dot + 1)), session.secretSha256)) return { ok: false, reason: 'unknown' };
    if (now - session.lastSeen > IDLE_LIMIT_MS) return this.endWith(session, 'idle');
    if (now - session.createdAt > SESSION_MAX_MS) return this.endWith(session, 'expired');
    // a token replayed from elsewhere ends the session: its owner must log in again
    if (session.ip !== ip) return this.endWith(session, 'other-ip');
    session.lastSeen = now;
    return { ok: true, session };
  }

  end(id: string): Session | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    this.byId.delete(id);
    if (this.byUser.get(s.user) === id) this.byUser.delete(s.user);
    return s;
  }

  endUser(user: string): Session | undefined {
    const id = this.byUser.get(user);
    return id === undefined ? undefined : this.end(id);
  }

  /** Forgets sessions that can no longer be used (called periodically). */
  sweep(now: number): void {
    for (const s of this.byId.values()) if (now - s.lastSeen > IDLE_LIMIT_MS || now - s.createdAt > SESSION_MAX_MS) this.end(s.id);
  }

  get size(): number {
    return this.byId.size;
  }

  private endWith(session: Session, reason: 'idle' | 'expired' | 'other-ip'): SessionCheck {
    this.end(session.id);
    return { ok: false, reason, session };
  }
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
