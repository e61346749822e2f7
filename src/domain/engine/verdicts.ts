import * as crypto from 'node:crypto';
import type { Block } from '../blocks/block.js';
import type { KeyKind } from '../rules/spec.js';

export type { Block } from '../blocks/block.js';

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

export type Verdict = Alert | Block;

/** crypto.hash (Node >= 20.12): the same digest without a Hash object per verdict. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Deterministic verdict id: the same input always yields the same id (at-least-once safe downstream). */
export function verdictId(parts: readonly (string | number)[]): string {
  const text = parts.join('\u001f');
  return (oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex')).slice(0, 32);
}

export const subjectText = (s: Subject): string => `${s.kind}:${s.value}`;

/** Kafka key of a verdict: every state of one block (active, lifted) and every alert of one subject share a partition, in order. */
export const verdictKey = (v: Pick<Verdict, 'tenant' | 'subject' | 'rule'>): string => `${v.tenant}|${subjectText(v.subject)}|${v.rule}`;
