import { createHash } from 'node:crypto';
import type { KeyKind, BlockScope } from '../rules/spec.js';

export type Severity = 'warn' | 'critical';

export interface Subject {
  readonly kind: KeyKind;
  readonly value: string;
}

export type DetailValue = string | number | boolean;

export interface Alert {
  readonly kind: 'alert';
  readonly id: string;
  readonly tenant: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly subject: Subject;
  /** Event time at which the threshold was reached (epoch ms). */
  readonly at: number;
  readonly evidence: readonly string[];
  readonly details: Readonly<Record<string, DetailValue>>;
}

export interface Block {
  readonly kind: 'block';
  readonly id: string;
  readonly tenant: string;
  readonly rule: string;
  readonly severity: 'critical';
  readonly subject: Subject;
  readonly reason: string;
  /** 1 for a first offence; higher for repeat offenders within the escalation period. */
  readonly level: number;
  /** `international` blocks only the subject's international calls. */
  readonly scope: BlockScope;
  readonly startsAt: number;
  readonly expiresAt: number;
  readonly evidence: readonly string[];
}

export type Verdict = Alert | Block;

/** Deterministic verdict id: the same input always yields the same id (at-least-once safe downstream). */
export function verdictId(parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32);
}

export const subjectText = (s: Subject): string => `${s.kind}:${s.value}`;
const iso = (ms: number): string => new Date(ms).toISOString();

/** The NDJSON form of a verdict; key order is fixed so identical verdicts are byte-identical. */
export function verdictJson(v: Verdict): string {
  const head = { kind: v.kind, id: v.id, tenant: v.tenant, rule: v.rule, severity: v.severity, subject: subjectText(v.subject) };
  if (v.kind === 'alert') return JSON.stringify({ ...head, at: iso(v.at), evidence: v.evidence, details: v.details });
  return JSON.stringify({
    ...head,
    at: iso(v.startsAt),
    startsAt: iso(v.startsAt),
    expiresAt: iso(v.expiresAt),
    level: v.level,
    scope: v.scope,
    reason: v.reason,
    evidence: v.evidence,
  });
}
