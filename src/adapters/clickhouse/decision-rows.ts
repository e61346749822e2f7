import type { DecisionTally } from '../../domain/blocks/decision-counts.js';

/** The row form of one tenant's block-check answers in one minute (`decisions_minute`, migrations/010_rollups.sql). */
export function decisionRow(t: DecisionTally): Record<string, unknown> {
  return {
    minute: Math.floor(t.minute / 1000),
    tenant: t.tenant,
    allow: t.allow,
    block: t.block,
    throttle: t.throttle,
    fail_open: t.failOpen,
    fail_closed: t.failClosed,
    shed: t.shed,
  };
}
