import { TimedBars } from '../domain/security/timed-bars.js';
import type { Alarms } from './alarms.js';
import type { AuditTrail } from './audit-trail.js';
import type { SecurityStateStore } from './ports.js';
import type { SessionBook } from './sessions.js';
import { iso } from '../domain/time/iso.js';
import { SentinelaError } from '../errors.js';

export const DENIALS_TO_BAR = 3; // EV14: >= 3 operations outside the profile in 5 min
export const DENIAL_WINDOW_MS = 5 * 60_000;
export const BAR_MS = 5 * 60_000; // → the admin and the address are blocked for 5 min
/** Bars are read from the store at most this often per replica: a bar set elsewhere holds here this much later. */
export const BARS_CACHE_MS = 2_000;

/**
 * EV14: every denied management operation is audited; the third within 5 minutes, by the same user or from the
 * same address, bars both for 5 minutes and ends the user's session. Denials and bars are kept in the store, so
 * they count and hold across every API replica.
 */
export class AccessGuard {
  private bars = new TimedBars();
  private barsReadAt = -Infinity;
  /** One read at a time: requests arriving while the bars are being read wait for that read. */
  private reading: Promise<void> | undefined;

  constructor(private readonly o: { store: SecurityStateStore; audit: AuditTrail; sessions: SessionBook; alarms?: Alarms | undefined; clock: () => number }) {}

  /** When the user or the address is barred, until when (on any replica, seen here within BARS_CACHE_MS). */
  async barredUntil(user: string | undefined, ip: string): Promise<number | undefined> {
    const now = this.o.clock();
    if (now - this.barsReadAt > BARS_CACHE_MS) await (this.reading ??= this.refresh(now).finally(() => (this.reading = undefined)));
    const u = user === undefined ? undefined : this.bars.barredUntil(`user:${user}`, now);
    const a = this.bars.barredUntil(`ip:${ip}`, now);
    return u === undefined ? a : a === undefined ? u : Math.max(u, a);
  }

  async denied(user: string, ip: string, what: { method: string; route: string; permission: string; role: string }): Promise<void> {
    const now = this.o.clock();
    await this.o.audit.record({ type: 'access.denied', actor: user, ip, result: 'failure', details: what });
    const { store } = this.o;
    await store.noteSecurityEvent({ kind: 'access.denied', user, ip, at: now });
    // a bar lasts as long as the window, and a barred caller is refused before any denial: no count to reset
    const since = now - DENIAL_WINDOW_MS;
    const byUser = await store.countSecurityEvents({ kind: 'access.denied', user, since });
    const byIp = await store.countSecurityEvents({ kind: 'access.denied', ip, since });
    if (Math.max(byUser, byIp) < DENIALS_TO_BAR) return;
    const until = now + BAR_MS;
    const reason = `${Math.max(byUser, byIp)} denied operations in 5 min (EV14)`;
    for (const subject of [`user:${user}`, `ip:${ip}`]) {
      await store.saveBar({ subject, until, at: now, reason });
      this.bars.bar(subject, until);
    }
    await this.o.sessions.endUser(user, 'barred', now);
    await this.o.audit.record({
      type: 'access.barred',
      actor: 'system',
      ip,
      result: 'success',
      details: { user, ip, until: iso(until), denials: Math.max(byUser, byIp) },
    });
    this.o.alarms?.raise({
      key: `barred:${user}:${ip}`,
      kind: 'security',
      severity: 'critical',
      title: `${user} from ${ip} barred for 5 min after ${Math.max(byUser, byIp)} denied operations`,
      details: { user, ip, ...what },
    });
  }

  private async refresh(now: number): Promise<void> {
    let active;
    try {
      active = await this.o.store.activeBars(now);
    } catch (err) {
      // the store unreachable for a moment (ClickHouse, or the embedded pipeline child restarting): the bars known
      // here keep applying and the next request reads again, instead of every request failing on a bar check
      if (err instanceof SentinelaError && err.info.disposition === 'retry') return;
      throw err;
    }
    const bars = new TimedBars();
    for (const b of active) bars.bar(b.subject, b.until);
    this.bars = bars;
    this.barsReadAt = now;
  }
}
