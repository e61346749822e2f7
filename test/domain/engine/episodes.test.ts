import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CallEvent } from '../../../src/domain/engine/event.js';
import { EpisodeBook } from '../../../src/domain/engine/episodes.js';
import type { BlockEntry } from '../../../src/domain/blocks/block-table.js';
import type { Subject } from '../../../src/domain/engine/verdicts.js';
import { compileRule } from '../../../src/domain/rules/compile.js';
import { ruleSpec } from '../../../src/domain/rules/spec.js';
import { pinned } from '../../rig/property.js';

const MIN = 60_000;
const rule = (id: string, thresholds: object, duration: string) =>
  compileRule(
    ruleSpec.parse({
      id,
      description: `${id} for the property`,
      cites: ['G1'],
      match: { directions: ['outbound'] },
      key: 'caller',
      measure: { kind: 'count' },
      window: '1m',
      thresholds,
      block: { duration },
    }),
  );
const RULES = [rule('blocks-at-5', { critical: 5 }, '5m'), rule('warns-at-3', { warn: 3, critical: 6 }, '10m')];
const ESCALATION = { ladderMs: [5 * MIN, 60 * MIN, 24 * 60 * MIN], withinMs: 24 * 60 * MIN };
const subjectOf = (n: number): Subject => ({ kind: 'caller', value: `+55113000100${n}` });
const minute = fc.integer({ min: 0, max: 8 * 60 }).map((m) => m * MIN);

/** Whom and when an operation is about: two tenants, four callers, the two rules. */
const about = { tenant: fc.integer({ min: 0, max: 1 }), subject: fc.integer({ min: 0, max: 3 }), rule: fc.integer({ min: 0, max: 1 }), at: minute };
const op = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('restore' as const),
      ...about,
      minutes: fc.integer({ min: 1, max: 180 }),
      throttle: fc.integer({ min: 0, max: 4 }).map((n) => n === 0), // a graded rule's throttle, now and then
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('alert' as const), ...about, critical: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('decide' as const), ...about, value: fc.integer({ min: 2, max: 9 }) }) },
  // each tenant its own horizon, which may move back (a tenant's first CDR replaces the watermark it borrowed)
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('trim' as const), horizons: fc.tuple(minute, minute) }) },
);

describe('EpisodeBook: restored blocks held until their subject is decided on', () => {
  it('decides exactly as when every restored block is re-learnt at once, through trims and horizons that move back (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), (ops) => {
        const held = new EpisodeBook(ESCALATION);
        const atOnce = new EpisodeBook(ESCALATION, false);
        for (const o of ops) {
          if (o.kind === 'trim') {
            const horizonOf = (key: string) => (key.startsWith('t0\u0000') ? o.horizons[0] : o.horizons[1]);
            held.trim(horizonOf);
            atOnce.trim(horizonOf);
            continue;
          }
          const tenant = `t${o.tenant}`;
          const subject = subjectOf(o.subject);
          const r = RULES[o.rule] as (typeof RULES)[number];
          if (o.kind === 'restore') {
            const block = {
              id: `b${o.at}`,
              tenant,
              subject,
              rule: r.id,
              startsAt: o.at,
              expiresAt: o.at + o.minutes * MIN,
              ...(o.throttle ? { throttle: { calls: 2, perMs: MIN } } : {}),
            } as unknown as BlockEntry;
            held.restore(block);
            atOnce.restore(block);
          } else if (o.kind === 'alert') {
            const alert = { tenant, rule: r.id, severity: o.critical ? ('critical' as const) : ('warn' as const), subject, at: o.at, details: {} };
            held.restoreAlert(alert, o.at + 30 * MIN);
            atOnce.restoreAlert(alert, o.at + 30 * MIN);
          } else {
            const event = { tenant, t: o.at, novelty: 0, premium: false, international: false, callee: null, profile: { timeZone: 'America/Sao_Paulo' } };
            const decide = (book: EpisodeBook) => {
              const obs = { value: o.value, reachedAt: () => o.at, evidence: () => [1], details: () => ({}) };
              const d = book.decide(r, subject, obs, event as unknown as CallEvent, o.at, (seqs) => seqs.map(String));
              return {
                suppressed: d.suppressed,
                verdicts: d.verdicts.map((v) => (v.kind === 'block' ? [v.id, v.level, v.startsAt, v.expiresAt] : [v.id, v.kind])),
              };
            };
            assert.deepEqual(decide(held), decide(atOnce));
          }
        }
      }),
      pinned({ numRuns: 3_000, seed: 20261204 }),
    );
  });
});
