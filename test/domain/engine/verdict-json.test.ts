import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { liftBlock, type Block } from '../../../src/domain/blocks/block.js';
import { parseBlockJson, verdictBrief, verdictJson } from '../../../src/domain/engine/verdict-json.js';
import { verdictKey } from '../../../src/domain/engine/verdicts.js';
import { BLOCK_SCOPES, KEY_KINDS } from '../../../src/domain/rules/spec.js';

const T0 = Date.parse('2026-03-02T15:00:00-03:00');
const instant = fc.integer({ min: T0 - 86_400_000, max: T0 + 86_400_000 });
const text = fc.string({ minLength: 1, maxLength: 20 });

/** Any block: rule or manual, active or lifted, with or without evidence. */
const block: fc.Arbitrary<Block> = fc
  .record({
    id: text,
    tenant: text,
    rule: text,
    kind: fc.constantFrom(...KEY_KINDS),
    value: fc.string({ maxLength: 20 }),
    reason: fc.string({ maxLength: 40 }),
    level: fc.integer({ min: 1, max: 9 }),
    scope: fc.constantFrom(...BLOCK_SCOPES),
    startsAt: instant,
    ttl: fc.integer({ min: 1, max: 86_400_000 }),
    evidence: fc.array(text, { maxLength: 5 }),
    source: fc.constantFrom('rule' as const, 'manual' as const),
    createdBy: fc.string({ maxLength: 10 }),
    lift: fc.option(fc.record({ after: fc.integer({ min: 0, max: 3_600_000 }), by: text, reason: fc.string({ maxLength: 20 }) }), { nil: undefined }),
  })
  .map((r) => {
    const b: Block = {
      kind: 'block',
      id: r.id,
      tenant: r.tenant,
      rule: r.rule,
      severity: 'critical',
      subject: { kind: r.kind, value: r.value },
      reason: r.reason,
      level: r.level,
      scope: r.scope,
      startsAt: r.startsAt,
      expiresAt: r.startsAt + r.ttl,
      evidence: r.evidence,
      source: r.source,
      createdBy: r.createdBy,
      state: 'active',
    };
    return r.lift ? liftBlock(b, r.startsAt + r.lift.after, r.lift.by, r.lift.reason) : b;
  });

const ruleBlock: Block = {
  kind: 'block',
  id: 'b1',
  tenant: 'acme',
  rule: 'velocity-caller',
  severity: 'critical',
  subject: { kind: 'caller', value: '+551130001000' },
  reason: '5 calls in 1m',
  level: 1,
  scope: 'all',
  startsAt: T0,
  expiresAt: T0 + 300_000,
  evidence: ['c1', 'c2'],
  source: 'rule',
  createdBy: '',
  state: 'active',
};

describe('the one wire form of a block (verdictJson / parseBlockJson)', () => {
  it('reads back every block it writes: rule or manual, active or lifted (property)', () => {
    fc.assert(
      fc.property(block, (b) => {
        assert.deepEqual(parseBlockJson(verdictJson(b)), b);
      }),
    );
  });

  it("writes a rule's fresh block as the verdict NDJSON replay prints, and adds origin and lift once they differ", () => {
    const wire = JSON.parse(verdictJson(ruleBlock)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(wire), [
      'kind',
      'id',
      'tenant',
      'rule',
      'severity',
      'subject',
      'at',
      'startsAt',
      'expiresAt',
      'level',
      'scope',
      'reason',
      'evidence',
    ]);
    const lifted = JSON.parse(verdictJson(liftBlock(ruleBlock, T0 + 60_000, 'ana.souza', 'customer called'))) as Record<string, unknown>;
    assert.deepEqual(
      [lifted['source'], lifted['state'], lifted['liftedAt'], lifted['liftedBy'], lifted['liftReason']],
      ['rule', 'lifted', new Date(T0 + 60_000).toISOString(), 'ana.souza', 'customer called'],
    );
  });

  it('keys every state of one block alike, so they share a partition and stay in order', () => {
    assert.equal(verdictKey(ruleBlock), verdictKey(liftBlock(ruleBlock, T0 + 1, 'x', 'y')));
    assert.equal(verdictKey(ruleBlock), 'acme|caller:+551130001000|velocity-caller');
  });

  it('briefs a throttle with the rate it allows, a block proper without one', () => {
    assert.equal(verdictBrief(ruleBlock).throttle, undefined);
    const throttle: Block = { ...ruleBlock, throttle: { calls: 2, perMs: 60_000 } };
    assert.equal(verdictBrief(throttle).throttle, '2/1m');
    assert.equal(verdictBrief(throttle).kind, 'block');
  });

  it('briefs a lifted state with its liftedAt (a superseded throttle is no active throttle), an active one without', () => {
    const throttle: Block = { ...ruleBlock, throttle: { calls: 2, perMs: 60_000 } };
    assert.equal(verdictBrief(throttle).liftedAt, undefined);
    assert.equal(verdictBrief(ruleBlock).liftedAt, undefined);
    const superseded = verdictBrief(liftBlock(throttle, T0 + 120_000, 'rule:velocity-caller', 'superseded by block b2'));
    assert.deepEqual(
      [superseded.throttle, superseded.liftedAt, superseded.expiresAt],
      ['2/1m', new Date(T0 + 120_000).toISOString(), new Date(T0 + 300_000).toISOString()],
    );
    assert.equal(verdictBrief(liftBlock(ruleBlock, T0 + 60_000, 'ana.souza', 'customer called')).liftedAt, new Date(T0 + 60_000).toISOString());
  });

  it('refuses a message that is not a block', () => {
    assert.throws(() => parseBlockJson('{"kind":"alert"}'));
    assert.throws(() => parseBlockJson('not json'), SyntaxError);
    assert.throws(() => parseBlockJson(verdictJson(ruleBlock).replace('caller:', 'phone:')));
  });
});
