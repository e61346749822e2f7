import { RecentEvents, TimedBars } from '../domain/security/recent-events.js';
import type { Alarms } from './alarms.js';
import type { AuditTrail } from './audit-trail.js';
import type { SessionBook } from './sessions.js';
import { iso } from '../domain/time/iso.js';

export const DENIALS_TO_BAR = 3; // EV14: >= 3 operations outside the profile in 5 min
export const DENIAL_WINDOW_MS = 5 * 60_000;
export const BAR_MS = 5 * 60_000; // → the admin and the address are blocked for 5 min

/**
 * EV14: every denied management operation is audited; the third within 5 minutes, by the same user or from the
 * same address, bars both for 5 minutes and ends the user's session.
 */
export class AccessGuard {
  private readonly denials = new RecentEvents(DENIAL_WINDOW_MS);
  private readonly bars = new TimedBars();

  constructor(private readonly o: { audit: AuditTrail; sessions: SessionBook; alarms?: Alarms | undefined; clock: () => number }) {}

  /** When the user or the address is barred, until when. */
  barredUntil(user: string | undefined, ip: string): number | undefined {
    const now = this.o.clock();
    const u = user === undefined ? undefined : this.bars.barredUntil(`user:${user}`, now);
    const a = this.bars.barredUntil(`ip:${ip}`, now);
    return u === undefined ? a : a === undefined ? u : Math.max(u, a);
  }

  async denied(user: string, ip: string, what: { method: string; route: string; permission: string; role: string }): Promise<void> {
    const now = this.o.clock();
    await this.o.audit.record({ type: 'access.denied', actor: user, ip, result: 'failure', details: what });
    const byUser = this.denials.note(`user:${user}`, now);
    const byIp = this.denials.note(`ip:${ip}`, now);
    if (Math.max(byUser, byIp) < DENIALS_TO_BAR) return;
    const until = now + BAR_MS;
    this.bars.bar(`user:${user}`, until);
    this.bars.bar(`ip:${ip}`, until);
    this.denials.clear(`user:${user}`);
    this.denials.clear(`ip:${ip}`);
    this.o.sessions.endUser(user);
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
}
