import type { Logger } from 'pino';
import { passwordProblems } from '../domain/security/password-policy.js';
import { failureWindowStart, locksNow } from '../domain/security/lockout.js';
import { ROLES, type Role } from '../domain/security/roles.js';
import { SentinelaError } from '../errors.js';
import type { Alarms } from './alarms.js';
import type { AuditTrail } from './audit-trail.js';
import { decoyVerify, hashPassword, verifyPassword } from './passwords.js';
import type { LoginLock, SecurityStore, UserRecord } from './ports.js';
import type { Session, SessionBook } from './sessions.js';
import { iso } from '../domain/time/iso.js';

export const PASSWORD_HISTORY = 5; // A9: the last 5 passwords cannot be reused

export interface NewUser {
  readonly name: string;
  readonly role: Role;
  readonly fullName?: string | undefined;
  readonly tenant?: string | undefined;
  readonly extensions?: readonly string[] | undefined;
  readonly password: string;
}

export interface Who {
  readonly actor: string;
  readonly ip: string;
}

/** A8: what a user is shown after logging in, and by GET /v1/me. */
export interface LoginHistory {
  readonly lastLogin: { at: string; ip: string; method: string } | null;
  readonly lastFailure: { at: string; ip: string } | null;
  readonly failuresSince: number;
}

/** Audit detail of a failure for a name that is no user (operators see name spraying; the caller never does). */
const unknown = (user: UserRecord | undefined) => (user ? {} : { unknownUser: true });

export const history = (u: UserRecord): LoginHistory => ({
  lastLogin: u.lastLogin && { at: iso(u.lastLogin.at), ip: u.lastLogin.ip, method: u.lastLogin.method },
  lastFailure: u.lastFailure && { at: iso(u.lastFailure.at), ip: u.lastFailure.ip },
  failuresSince: u.failuresSince,
});

/**
 * Users and logins: creation under the A9 policy, password login with the EV03 lockout, sessions (A7) and the
 * A8 login history. Every outcome is audited. Nothing here reveals whether a user name exists.
 */
export class Accounts {
  private version = 0;

  constructor(
    private readonly o: { store: SecurityStore; audit: AuditTrail; sessions: SessionBook; clock: () => number; log: Logger; alarms?: Alarms | undefined },
  ) {}

  async addUser(n: NewUser, by: Who): Promise<UserRecord> {
    if (!/^[a-z][a-z0-9._-]{1,63}$/.test(n.name))
      throw new SentinelaError('REQUEST_INVALID', 'user name: 2-64 lower-case letters, digits, dot, underscore or hyphen, starting with a letter', {
        path: 'name',
      });
    if (!ROLES.includes(n.role)) throw new SentinelaError('REQUEST_INVALID', `role: one of ${ROLES.join(', ')}`, { path: 'role' });
    if (n.role === 'user' && (!n.tenant || (n.extensions ?? []).length === 0))
      throw new SentinelaError('REQUEST_INVALID', 'a user with role user needs a tenant and at least one extension', { path: 'extensions' });
    if (await this.o.store.findUser(n.name)) throw new SentinelaError('CONFLICT', `user ${n.name} already exists`, { path: 'name' });
    this.checkPolicy(n.password, n);
    const now = this.o.clock();
    const user: UserRecord = {
      name: n.name,
      role: n.role,
      fullName: n.fullName ?? '',
      tenant: n.tenant ?? '',
      extensions: [...(n.extensions ?? [])],
      passwordHash: await hashPassword(n.password),
      passwordHistory: [],
      locked: false,
      lockedReason: '',
      lastLogin: null,
      lastFailure: null,
      failuresSince: 0,
      createdAt: now,
      createdBy: by.actor,
    };
    await this.save(user);
    await this.o.audit.record({
      type: 'user.add',
      actor: by.actor,
      ip: by.ip,
      result: 'success',
      details: { user: n.name, role: n.role, tenant: user.tenant, extensions: user.extensions },
    });
    return user;
  }

  /**
   * Password login. An unknown name and a known one get the same answers after the same work at every step,
   * the EV03 lock included: both are counted per name and source address, both lock after the same failures.
   */
  async login(name: string, password: string, ip: string): Promise<{ token: string; session: Session; user: UserRecord; history: LoginHistory }> {
    const now = this.o.clock();
    const user = await this.o.store.findUser(name);
    const pairLock = await this.o.store.loginLock(name, ip);
    const ok = user ? await verifyPassword(password, user.passwordHash) : await decoyVerify(password);
    // a user locked as a whole (EV09) is told so only with the right password: a guess learns nothing
    if (pairLock?.locked || (ok && user?.locked)) {
      await this.o.store.noteSecurityEvent({ kind: 'login.failure', user: name, ip, at: now });
      await this.o.audit.record({ type: 'auth.login', actor: name, ip, result: 'failure', details: { reason: 'locked', ...unknown(user) } });
      throw new SentinelaError('ACCOUNT_LOCKED', 'this user is locked; an administrator must unlock it');
    }
    if (!ok || !user) return this.failed(name, user, ip, now, pairLock);
    const opened = await this.o.sessions.open(
      { user: name, role: user.role, tenant: user.tenant, extensions: user.extensions, ip, method: 'password', history: history(user) },
      now,
    );
    await this.save({ ...user, lastLogin: { at: now, ip, method: 'password' } });
    for (const ended of opened.ended)
      await this.o.audit.record({
        type: 'auth.session_ended',
        actor: name,
        ip,
        result: 'success',
        details: { reason: 'new login', session: ended.id, ip: ended.ip },
      });
    await this.o.audit.record({ type: 'auth.login', actor: name, ip, result: 'success', details: { method: 'password', session: opened.session.id } });
    return { token: opened.token, session: opened.session, user, history: history(user) };
  }

  /** EV03: counts the failure for this name and address (in the store, so on every replica) and locks at the limit. */
  private async failed(name: string, user: UserRecord | undefined, ip: string, now: number, pairLock: LoginLock | undefined): Promise<never> {
    await this.o.store.noteSecurityEvent({ kind: 'login.failure', user: name, ip, at: now });
    const lastSuccessHere = user?.lastLogin?.ip === ip ? user.lastLogin.at : undefined;
    const since = failureWindowStart(now, [lastSuccessHere, pairLock?.changedAt]);
    const recent = await this.o.store.countSecurityEvents({ kind: 'login.failure', user: name, ip, since });
    await this.o.audit.record({
      type: 'auth.login',
      actor: name,
      ip,
      result: 'failure',
      details: { reason: 'bad credentials', recentFailures: recent, ...unknown(user) },
    });
    if (locksNow(recent)) {
      const reason = `${recent} failed logins within 1 min from ${ip} (EV03)`;
      await this.o.store.saveLoginLock({ user: name, ip, locked: true, changedAt: now, reason, changedBy: 'system' }, this.nextVersion());
      await this.o.audit.record({
        type: 'auth.locked',
        actor: 'system',
        ip,
        result: 'success',
        details: { user: name, ip, failures: recent, ...unknown(user) },
      });
      this.o.alarms?.raise({
        key: `locked:${name}:${ip}`,
        kind: 'security',
        severity: 'critical',
        title: `${user ? 'user' : 'unknown user name'} ${name} locked from ${ip} after ${recent} failed logins in 1 min`,
        details: { user: name, ip, knownUser: user !== undefined },
      });
    }
    throw new SentinelaError('AUTH_FAILED', 'wrong user name or password');
  }

  async logout(session: Session, ip: string): Promise<void> {
    await this.o.sessions.end(session.id, 'logout', this.o.clock());
    await this.o.audit.record({ type: 'auth.logout', actor: session.user, ip, result: 'success', details: { session: session.id } });
  }

  async me(name: string): Promise<UserRecord> {
    const user = await this.o.store.findUser(name);
    if (!user) throw new SentinelaError('NOT_FOUND', `no user ${name}`, { path: 'name' });
    return user;
  }

  async changePassword(name: string, current: string, next: string, by: Who): Promise<void> {
    const user = await this.me(name);
    if (!(await verifyPassword(current, user.passwordHash))) {
      await this.o.audit.record({
        type: 'user.password',
        actor: by.actor,
        ip: by.ip,
        result: 'failure',
        details: { user: name, reason: 'current password wrong' },
      });
      throw new SentinelaError('AUTH_FAILED', 'the current password is wrong', { path: 'current' });
    }
    this.checkPolicy(next, user);
    for (const old of [user.passwordHash, ...user.passwordHistory]) {
      if (await verifyPassword(next, old))
        throw new SentinelaError('PASSWORD_REJECTED', `the new password was used recently (the last ${PASSWORD_HISTORY + 1} cannot be reused)`, {
          path: 'password',
        });
    }
    await this.save({
      ...user,
      passwordHash: await hashPassword(next),
      passwordHistory: [user.passwordHash, ...user.passwordHistory].slice(0, PASSWORD_HISTORY),
    });
    await this.o.audit.record({ type: 'user.password', actor: by.actor, ip: by.ip, result: 'success', details: { user: name } });
  }

  /** The addresses a user name is locked from (EV03). */
  locksOf(name: string): Promise<LoginLock[]> {
    return this.o.store.loginLocks(name);
  }

  /** Lifts the user's EV03 locks from every address and an EV09 lock; works on a running deployment (shared store). */
  async unlock(name: string, by: Who): Promise<UserRecord> {
    const user = await this.me(name);
    const locks = await this.o.store.loginLocks(name);
    if (!user.locked && locks.length === 0) throw new SentinelaError('CONFLICT', `user ${name} is not locked`, { path: 'name' });
    const now = this.o.clock();
    for (const l of locks) await this.o.store.saveLoginLock({ ...l, locked: false, changedAt: now, reason: '', changedBy: by.actor }, this.nextVersion());
    const unlocked = { ...user, locked: false, lockedReason: '' };
    if (user.locked) await this.save(unlocked);
    await this.o.audit.record({
      type: 'user.unlock',
      actor: by.actor,
      ip: by.ip,
      result: 'success',
      details: { user: name, wasLockedFor: user.lockedReason, addresses: locks.map((l) => l.ip) },
    });
    return unlocked;
  }

  /** EV09: end the user's session and refuse new logins until an administrator unlocks them. */
  async lock(name: string, reason: string): Promise<void> {
    await this.o.sessions.endUser(name, 'locked', this.o.clock());
    const user = await this.o.store.findUser(name);
    if (user && !user.locked) await this.save({ ...user, locked: true, lockedReason: reason });
  }

  private checkPolicy(password: string, owner: { name: string; fullName?: string | undefined }): void {
    const problems = passwordProblems(password, { name: owner.name, ...(owner.fullName ? { fullName: owner.fullName } : {}) });
    if (problems.length > 0) throw new SentinelaError('PASSWORD_REJECTED', `password policy (A9): ${problems.join('; ')}`, { path: 'password', problems });
  }

  /** Versions are the clock in ms, strictly increasing within this process (two saves in one ms keep their order). */
  private async save(u: UserRecord): Promise<void> {
    await this.o.store.saveUser(u, this.nextVersion());
  }

  private nextVersion(): number {
    this.version = Math.max(this.version + 1, this.o.clock());
    return this.version;
  }
}
