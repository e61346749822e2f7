import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { postSigned } from '../push/targets.js';
import { retry } from '../retry.js';
import { iso } from '../domain/time/iso.js';

/** A1: a potential violation or a critical alert, for the administrators. */
export interface Alarm {
  /** Stable id: the alert's for an alert alarm, so every replica names it alike; a fresh one when absent. */
  readonly id?: string;
  /** Deduplication key: the same key inside the dedup window is counted, not sent again. */
  readonly key: string;
  readonly kind: 'security' | 'alert' | 'audit';
  readonly severity: 'warn' | 'critical';
  readonly title: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** An alarm as recorded in the shared alarm ledger (ClickHouse `alarms`): who raised it and when. */
export interface RecordedAlarm extends Alarm {
  readonly id: string;
  readonly at: number;
  readonly raisedBy: string;
}

/** Where alarms raised from alerts are recorded, shared by every process (ClickHouse `alarms`). */
export interface AlarmLedger {
  /** Records the alarms whose ids are not recorded yet (one read, one write per batch); returns those ids. */
  claimAlarms(alarms: readonly RecordedAlarm[]): Promise<ReadonlySet<string>>;
}

export interface AlarmChannel {
  readonly name: string;
  send(body: string, now: number): Promise<void>;
}

/** The signed webhook channel (same signature as block pushes; README "Alarms"). */
export function webhookChannel(o: { url: string; secret: string }): AlarmChannel {
  return { name: 'webhook', send: (body, now) => postSigned(o, body, now, `alarm webhook ${o.url}`) };
}

export interface AlarmCounts {
  raised: number;
  sent: number;
  deduplicated: number;
  rateLimited: number;
  failed: number;
}

/**
 * Notifies administrators (A1): every alarm is logged (warn when sent, lower when held back); channels get it at most once per key per dedup window,
 * and at most `perMinute` alarms a minute in all (the excess is counted and reported with the next one sent).
 * Deliveries are retried a few times, never on the caller's path.
 */
export class Alarms {
  readonly counts: AlarmCounts = { raised: 0, sent: 0, deduplicated: 0, rateLimited: 0, failed: 0 };
  private readonly lastSent = new Map<string, { at: number; repeats: number }>();
  private sentTimes: number[] = [];
  private held = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly o: { channels: readonly AlarmChannel[]; log: Logger; clock: () => number; dedupMs?: number; perMinute?: number; retries?: number },
  ) {}

  raise(alarm: Alarm): void {
    const now = this.o.clock();
    this.counts.raised++;
    const logged = { alarm: { ...(alarm.id ? { id: alarm.id } : {}), key: alarm.key, kind: alarm.kind, severity: alarm.severity, details: alarm.details } };
    const last = this.lastSent.get(alarm.key);
    if (last && now - last.at < (this.o.dedupMs ?? 10 * 60_000)) {
      last.repeats++;
      this.counts.deduplicated++;
      this.o.log.debug(logged, `ALARM (repeat) ${alarm.title}`);
      return;
    }
    this.sentTimes = this.sentTimes.filter((t) => t > now - 60_000);
    if (this.sentTimes.length >= (this.o.perMinute ?? 20)) {
      this.held++;
      this.counts.rateLimited++;
      this.o.log.info(logged, `ALARM (held by the rate limit) ${alarm.title}`);
      return;
    }
    this.o.log.warn(logged, `ALARM ${alarm.title}`);
    this.sentTimes.push(now);
    this.lastSent.set(alarm.key, { at: now, repeats: 0 });
    if (this.lastSent.size > 10_000) this.lastSent.delete(this.lastSent.keys().next().value as string);
    const { id, ...rest } = alarm;
    const body = JSON.stringify({
      event: 'alarm',
      id: id ?? randomUUID(),
      at: iso(now),
      ...rest,
      repeatsSinceLast: last?.repeats ?? 0,
      heldByRateLimit: this.held,
    });
    this.held = 0;
    for (const channel of this.o.channels) {
      const p = this.deliver(channel, body, now).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** Waits for deliveries under way (a CLI command before it exits). */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliver(channel: AlarmChannel, body: string, now: number): Promise<void> {
    try {
      await retry(() => channel.send(body, now), {
        attempts: this.o.retries ?? 3,
        backoff: { initialMs: 500, maxMs: 2_000 },
        onRetry: (err, attempt) => this.o.log.error({ err, channel: channel.name, attempt }, 'alarm not delivered; retrying'),
      });
      this.counts.sent++;
    } catch (err) {
      this.o.log.error({ err, channel: channel.name }, 'alarm not delivered');
      this.counts.failed++;
    }
  }
}
