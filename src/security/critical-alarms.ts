import { createHash } from 'node:crypto';
import type { Alert } from '../domain/engine/verdicts.js';
import { verdictBrief } from '../domain/engine/verdict-json.js';
import type { Alarms } from './alarms.js';

/**
 * A1: critical alerts reach the administrators' alarm channels, deduplicated per tenant, rule and subject. With
 * A13 masking the subject stays out of the title, the details and even the dedup key (a hash stands in).
 */
export function criticalAlarms(alarms: Alarms, maskCallers: boolean): (alerts: readonly Alert[]) => void {
  return (alerts) => {
    for (const alert of alerts) {
      if (alert.severity !== 'critical') continue;
      const a = verdictBrief(alert);
      const subject = maskCallers ? createHash('sha256').update(a.subject).digest('hex').slice(0, 16) : a.subject;
      alarms.raise({
        key: `alert:${a.tenant}:${a.rule}:${subject}`,
        kind: 'alert',
        severity: 'critical',
        title: `critical alert ${a.rule} on ${maskCallers ? 'a masked subject' : a.subject} (tenant ${a.tenant})`,
        details: { ...a, ...(maskCallers ? { subject: alert.subject.kind } : {}) },
      });
    }
  };
}
