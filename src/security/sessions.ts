import { createHash, randomBytes } from 'node:crypto';
import { sameHex } from '../domain/security/audit-chain.js';
import type { Role } from '../domain/security/roles.js';
import { TimedBars } from '../domain/security/timed-bars.js';
import type { LoginHistory } from './accounts.js';
import type { SecurityStateStore, StoredSession } from './ports.js';

export const IDLE_LIMIT_MS = 5 * 60_000; // A7: re-authenticate after 5 min of inactivity
export const SESSION_MAX_MS = 12 * 3_600_000;
/** How long a replica trusts a session it read from the store: the longest an end made elsewhere goes unseen. */
export const SESSION_CACHE_MS = 2_000;
/** Activity is written to the store at most this often per session, so other replicas see it for the idle limit. */
export const TOUCH_EVERY_MS = 15_000;

/** `<id>.<secret>`: 12 and 32 random bytes in base64url. */
const TOKEN_SHAPE = /^[\w-]{16}\.[\w-]{43}$/;
/** Well-formed tokens of no session from one address in a minute before its guesses stop costing a store read. */
export const UNKNOWN_TOKENS_PER_MINUTE = 20;

export type Session = Omit<StoredSession, 'endedAt' | 'endReason'>;
export type EndReason = 'idle' | 'expired' | 'other-ip' | 'new login' | 'logout' | 'locked' | 'barred';

export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: 'unknown' | 'idle' | 'expired' | 'other-ip'; session?: Session };

interface Cached {
  stored: StoredSession;
  superseded: boolean;
  fetchedAt: number;
  /** The last request this replica saw (the store's last_seen lags by up to TOUCH_EVERY_MS). */
  seen: number;
}

/**
 * Management sessions (A7), shared by every API replica through the store: a token is `<id>.<secret>` (256
 * random bits), kept only as a SHA-256; it is bound to the session and the client address, dies after 5 min idle
 * or 12 h, at logout, and when the same user logs in again on any replica (one concurrent session per user). A
 * token that ended is never valid again.
 *
 * The request path reads the store at most once per SESSION_CACHE_MS per session and replica, so a session
 * ended on another replica is refused here at most SESSION_CACHE_MS later. Two logins racing on two replicas
 * both open a session; the older is "superseded" and refused (and ended) wherever it is read next.
 */
export class SessionBook {
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<Cached | undefined>>();
  private lastCreated = 0;
  /** Addresses presenting tokens of no session, and those past the limit (answered without a store read). */
  private readonly misses = new Map<string, { since: number; n: number }>();
  private readonly guessers = new TimedBars();

  constructor(private readonly store: SecurityStateStore) {}

  /** Opens a session and ends the user's previous ones on every replica (returned, to be audited). */
  async open(
    u: { user: string; role: Role; tenant: string; extensions: readonly string[]; ip: string; method: string; history: LoginHistory },
    now: number,
  ): Promise<{ token: string; session: Session; ended: Session[] }> {
    const ended = await this.endUser(u.user, 'new login', now);
    // distinct creation times on this replica: "the newest session of the user" never ties with one it ended
    this.lastCreated = Math.max(now, this.lastCreated + 1);
    const id = randomBytes(12).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const stored: StoredSession = { ...u, id, createdAt: this.lastCreated, lastSeen: now, secretSha256: sha256(secret), endedAt: null, endReason: '' };
    await this.store.saveSession(stored);
    this.cache.set(id, { stored, superseded: false, fetchedAt: now, seen: now });
    return { token: `${id}.${secret}`, session: stored, ended };
  }

  async check(token: string, ip: string, now: number): Promise<SessionCheck> {
    const dot = token.indexOf('.');
    const id = token.slice(0, dot);
    // only a well-formed token costs a store read, and only until its address has guessed too often
    const shaped = TOKEN_SHAPE.test(token);
    const readable = shaped && (this.cache.has(id) || this.guessers.barredUntil(ip, now) === undefined);
    const cached = readable ? await this.read(id, now) : undefined;
    if (readable && !cached) this.missed(ip, now);
    if (!cached || !sameHex(sha256(token.slice(dot + 1)), cached.stored.secretSha256)) return { ok: false, reason: 'unknown' };
    const s = cached.stored;
    if (s.endedAt !== null) return { ok: false, reason: 'unknown' };
    // two logins racing on two replicas: the newer session wins everywhere
    if (cached.superseded) return (await this.endStored(s, 'new login', now), { ok: false, reason: 'unknown' });
    if (now - Math.max(cached.seen, s.lastSeen) > IDLE_LIMIT_MS) return this.endWith(s, 'idle', now);
    if (now - s.createdAt > SESSION_MAX_MS) return this.endWith(s, 'expired', now);
    // a token replayed from elsewhere ends the session: its owner must log in again
    if (s.ip !== ip) return this.endWith(s, 'other-ip', now);
    cached.seen = now;
    if (now - s.lastSeen >= TOUCH_EVERY_MS) {
      cached.stored = { ...s, lastSeen: now };
      await this.store.saveSession(cached.stored);
    }
    return { ok: true, session: cached.stored };
  }

  async end(id: string, reason: EndReason, now: number): Promise<Session | undefined> {
    const found = await this.read(id, now);
    return found && found.stored.endedAt === null ? this.endStored(found.stored, reason, now) : undefined;
  }

  /** Ends every session of the user, on every replica (the others notice within SESSION_CACHE_MS). */
  async endUser(user: string, reason: EndReason, now: number): Promise<Session[]> {
    const open = await this.store.openSessions(user);
    for (const s of open) await this.endStored(s, reason, now);
    return open;
  }

  /** Forgets cached sessions that ended or went idle; an active one keeps this replica's last-request time. */
  sweep(now: number): void {
    for (const [id, c] of this.cache) if (c.stored.endedAt !== null || now - Math.max(c.seen, c.stored.lastSeen) > IDLE_LIMIT_MS) this.cache.delete(id);
  }

  private missed(ip: string, now: number): void {
    const m = this.misses.get(ip);
    if (m === undefined || now - m.since > 60_000) {
      if (this.misses.size >= 10_000) this.misses.clear(); // bounded: a spoofing flood only resets the counts
      this.misses.set(ip, { since: now, n: 1 });
    } else if (++m.n >= UNKNOWN_TOKENS_PER_MINUTE) {
      this.guessers.bar(ip, m.since + 60_000);
      this.misses.delete(ip);
    }
  }

  get cached(): number {
    return this.cache.size;
  }

  private read(id: string, now: number): Promise<Cached | undefined> {
    const hit = this.cache.get(id);
    if (hit && now - hit.fetchedAt <= SESSION_CACHE_MS) return Promise.resolve(hit);
    // concurrent requests of one session share one read
    let loading = this.loading.get(id);
    if (!loading) {
      loading = this.load(id, now, hit).finally(() => this.loading.delete(id));
      this.loading.set(id, loading);
    }
    return loading;
  }

  private async load(id: string, now: number, hit: Cached | undefined): Promise<Cached | undefined> {
    const loaded = await this.store.loadSession(id);
    if (!loaded) {
      this.cache.delete(id);
      return undefined;
    }
    const fresh: Cached = { stored: loaded.session, superseded: loaded.superseded, fetchedAt: now, seen: Math.max(hit?.seen ?? 0, loaded.session.lastSeen) };
    this.cache.set(id, fresh);
    return fresh;
  }

  private async endStored(s: StoredSession, reason: EndReason, now: number): Promise<Session> {
    const ended: StoredSession = { ...s, endedAt: now, endReason: reason };
    await this.store.saveSession(ended);
    const hit = this.cache.get(s.id);
    if (hit) hit.stored = ended;
    return ended;
  }

  private async endWith(session: StoredSession, reason: 'idle' | 'expired' | 'other-ip', now: number): Promise<SessionCheck> {
    return { ok: false, reason, session: await this.endStored(session, reason, now) };
  }
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
