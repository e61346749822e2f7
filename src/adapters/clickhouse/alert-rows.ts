import type { Subject } from '../../domain/engine/verdicts.js';

/** What every alert row is made of, whether freshly issued (Alert) or read back with its triage (StoredAlert). */
interface AlertFields {
  readonly id: string;
  readonly tenant: string;
  readonly rule: string;
  readonly severity: string;
  readonly subject: Pick<Subject, 'value'> & { readonly kind: string };
  readonly at: number;
  readonly evidence: readonly string[];
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * The one row form of an alert in `alerts`. A verdict is written at version 0, so re-inserting it (retry, replay)
 * never overrides an analyst's acknowledgement; a triage change is a new version at its time.
 */
export function alertRow(a: AlertFields, o: { suppressed: number; triage?: { status: string; by: string; at: number } }): Record<string, unknown> {
  return {
    id: a.id,
    tenant: a.tenant,
    rule: a.rule,
    severity: a.severity,
    subject_kind: a.subject.kind,
    subject_value: a.subject.value,
    at: a.at,
    evidence: a.evidence,
    details: JSON.stringify(a.details),
    suppressed: o.suppressed,
    // every row the same columns (one column list per insert): a verdict is open, untriaged, at version 0
    status: o.triage?.status ?? 'open',
    status_by: o.triage?.by ?? '',
    status_at: o.triage?.at ?? null,
    version: o.triage?.at ?? 0,
  };
}
