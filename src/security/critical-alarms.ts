import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Alert } from '../domain/engine/verdicts.js';
import { verdictBrief } from '../domain/engine/verdict-json.js';
import { retry } from '../retry.js';
import type { MatchRateChange } from '../domain/signalling/match-rate.js';
import type { Alarm, AlarmLedger, Alarms } from './alarms.js';

/**
 * A1: a critical alert as an alarm for the administrators, named by the alert's id and deduplicated per tenant,
 * rule and subject. With A13 masking the subject stays out of the title, the details and even the dedup key (a
 * hash stands in).
 */
export function alertAlarm(alert: Alert, maskCallers: boolean): Alarm & { readonly id: string } {
  const a = verdictBrief(alert);
  const subject = maskCallers ? createHash('sha256').update(a.subject).digest('hex').slice(0, 16) : a.subject;
  return {
    id: alert.id,
    key: `alert:${a.tenant}:${a.rule}:${subject}`,
    kind: 'alert',
    severity: 'critical',
    title: `critical alert ${a.rule} on ${maskCallers ? 'a masked subject' : a.subject} (tenant ${a.tenant})`,
    details: { ...a, ...(maskCallers ? { subject: alert.subject.kind } : {}) },
  };
}

/** The embedded mode: the alerts this process's own pipeline persisted, each announced once. */
export function criticalAlarms(alarms: Alarms, maskCallers: boolean): (alerts: readonly Alert[]) => void {
  return (alerts) => {
    for (const alert of alerts) if (alert.severity === 'critical') alarms.raise(alertAlarm(alert, maskCallers));
  };
}

/**
 * Kafka mode: the processor owning the alert's CDR partition raises it once the batch is persisted. A batch it
 * computes again (a crash before the offsets were committed, a rebalance) holds the same alert ids, which the
 * shared ledger knows: nothing is raised twice. If the ledger cannot be reached the alarm is raised anyway: a
 * possible repeat beats a lost alarm.
 */
export function alarmOncePerAlert(o: {
  alarms: Alarms;
  ledger: AlarmLedger;
  maskCallers: boolean;
  instance: string;
  clock: () => number;
  log: Logger;
}): (alerts: readonly Alert[]) => Promise<void> {
  return async (alerts) => {
    const alarms = alerts.filter((a) => a.severity === 'critical').map((a) => alertAlarm(a, o.maskCallers));
    if (alarms.length === 0) return;
    // one ledger read and one write per batch: a batch's round trips do not grow with its critical alerts
    const first = await retry(() => o.ledger.claimAlarms(alarms.map((alarm) => ({ ...alarm, at: o.clock(), raisedBy: o.instance }))), {
      attempts: 3,
      backoff: { initialMs: 200, maxMs: 1_000 },
    }).catch((err: unknown): ReadonlySet<string> | undefined => {
      o.log.error({ err, alertIds: alarms.map((a) => a.id) }, 'alarm ledger unreachable: raising the alarms without their record');
      return undefined;
    });
    for (const alarm of alarms) {
      if (first === undefined || first.has(alarm.id)) o.alarms.raise(alarm);
      else o.log.info({ alertId: alarm.id }, 'alarm for this alert already raised');
    }
  };
}

/**
 * A1: a security-event source whose lines stopped matching (a PBX upgrade changed its log format; fail2ban#2316):
 * until it is fixed, scans and password guessing through that PBX go unseen. Its recovery is announced too.
 */
export function sourceAlarm(change: MatchRateChange): Alarm {
  const [topic, format] = change.source.split('|');
  const percent = Math.round(change.ratio * 100);
  return {
    key: `source:${change.source}:${change.state}`,
    kind: 'security',
    severity: change.state === 'failing' ? 'critical' : 'warn',
    title:
      change.state === 'failing'
        ? `security source ${topic} (${format}): only ${percent} % of ${change.lines} lines match its patterns; attacks through it go unseen`
        : `security source ${topic} (${format}) matches again (${percent} % of ${change.lines} lines)`,
    details: { topic, format, state: change.state, ratio: change.ratio, lines: change.lines },
  };
}
