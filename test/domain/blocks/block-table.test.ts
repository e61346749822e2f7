import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BlockTable, type Lookup } from '../../../src/domain/blocks/block-table.js';
import { liftBlock, type Block } from '../../../src/domain/blocks/block.js';
import type { Subject } from '../../../src/domain/engine/verdicts.js';
import { BLOCK_T0, testBlock } from './test-block.js';

const T0 = BLOCK_T0;
const HOUR = 3_600_000;
const block = testBlock;
const ask = (over: Partial<Lookup> = {}): Lookup => ({
  tenant: 'acme',
  caller: '+551130001000',
  account: '1001',
  ip: '10.0.0.1',
  callee: '+442071234567',
  calleeE164: '+442071234567',
  international: true,
  exempt: new Set(),
  ...over,
});
const ids = (blocks: readonly Block[]) => blocks.map((b) => b.id);

describe('block table (compact layout)', () => {
  it('gives back what was applied, field for field', () => {
    const t = new BlockTable();
    const b = block('b1', { kind: 'caller', value: '+551130001000' }, { level: 3, scope: 'international', createdBy: 'ana', source: 'manual' });
    assert.equal(t.apply(b, T0), true);
    assert.deepEqual(t.lookup(ask(), T0), [b]);
    const throttle = block('t1', { kind: 'account', value: '1001' }, { throttle: { calls: 2, perMs: 60_000 } });
    t.apply(throttle, T0);
    assert.deepEqual(t.lookup(ask({ caller: 'other' }), T0), [throttle]);
    assert.deepEqual([...t.active(T0)], [b, throttle]);
  });

  it('looks at a subject kind again once a block of it arrives, and not once its last block is gone (lifted or swept)', () => {
    const t = new BlockTable();
    t.apply(block('c1', { kind: 'caller', value: '+551130001000' }), T0);
    assert.deepEqual(ids(t.lookup(ask(), T0)), ['c1']);
    const kinds: Subject[] = [
      { kind: 'tenant', value: 'acme' },
      { kind: 'account', value: '1001' },
      { kind: 'ip', value: '10.0.0.1' },
      { kind: 'destination', value: '+442071234567' },
    ];
    for (const [i, subject] of kinds.entries()) {
      const b = block(`k${i}`, subject);
      t.apply(b, T0);
      assert.deepEqual(ids(t.lookup(ask(), T0)), subject.kind === 'tenant' ? ['k0', 'c1'] : ['c1', `k${i}`], subject.kind);
      t.apply(liftBlock(b, T0, 'ana', 'x'), T0);
      assert.deepEqual(ids(t.lookup(ask(), T0)), ['c1'], `${subject.kind} lifted`);
    }
    t.apply(block('a1', { kind: 'account', value: '1001' }, { expiresAt: T0 + 1000 }), T0);
    t.apply(block('a2', { kind: 'account', value: '2002' }), T0);
    assert.equal(t.sweep(T0 + 1000), 1);
    assert.deepEqual(ids(t.lookup(ask({ account: '2002' }), T0)), ['c1', 'a2'], 'one account block left after the sweep');
    t.apply(liftBlock(block('a2', { kind: 'account', value: '2002' }), T0, 'ana', 'x'), T0);
    t.apply(block('a3', { kind: 'account', value: '1001' }), T0);
    assert.deepEqual(ids(t.lookup(ask(), T0)), ['c1', 'a3'], 'account blocks again');
  });

  it('lifts and replaces by id, and lifting an unknown block changes nothing', () => {
    const t = new BlockTable();
    const b = block('b1', { kind: 'ip', value: '10.0.0.1' });
    t.apply(b, T0);
    assert.equal(t.apply(liftBlock(block('other', b.subject), T0, 'ana', 'x'), T0), false);
    const longer = { ...b, expiresAt: T0 + 2 * HOUR, reason: 'again' };
    assert.equal(t.apply(longer, T0), true);
    assert.equal(t.size, 1);
    assert.deepEqual(t.lookup(ask(), T0 + HOUR), [longer]);
    assert.equal(t.apply(liftBlock(longer, T0, 'ana', 'false positive'), T0), true);
    assert.equal(t.size, 0);
    assert.deepEqual(t.lookup(ask(), T0), []);
    assert.equal(t.shapeCount, 0, 'no shape is held for blocks that are gone');
  });

  it('expires: not answered once expired, not yet answered before it starts, dropped by sweep, never added expired', () => {
    const t = new BlockTable();
    t.apply(block('b1', { kind: 'caller', value: '+551130001000' }), T0);
    t.apply(block('later', { kind: 'account', value: '1001' }, { startsAt: T0 + HOUR, expiresAt: T0 + 3 * HOUR }), T0);
    assert.equal(t.apply(block('old', { kind: 'tenant', value: 'acme' }, { expiresAt: T0 }), T0), false);
    assert.deepEqual(ids(t.lookup(ask(), T0)), ['b1']);
    assert.deepEqual(ids(t.lookup(ask(), T0 + HOUR)), ['later']);
    assert.equal(t.sweep(T0 + HOUR), 1);
    assert.equal(t.size, 1);
    assert.deepEqual(ids([...t.active(T0 + HOUR)]), ['later']);
  });

  it('holds several blocks of one subject, answered in the order they came, each lifted or swept alone', () => {
    const t = new BlockTable();
    const subject: Subject = { kind: 'caller', value: '+551130001000' };
    t.apply(block('a', subject, { expiresAt: T0 + HOUR }), T0);
    t.apply(block('b', subject, { rule: 'premium', expiresAt: T0 + 3 * HOUR }), T0);
    t.apply(block('c', subject, { rule: 'manual', expiresAt: T0 + 2 * HOUR }), T0);
    assert.deepEqual(ids(t.lookup(ask(), T0)), ['a', 'b', 'c']);
    t.apply(liftBlock(block('b', subject), T0, 'ana', 'x'), T0);
    assert.deepEqual(ids(t.lookup(ask(), T0)), ['a', 'c']);
    t.apply(block('d', subject), T0);
    assert.deepEqual(ids(t.lookup(ask(), T0)), ['a', 'c', 'd'], 'a freed slot is reused, the order kept');
    assert.equal(t.sweep(T0 + HOUR), 2);
    assert.deepEqual(ids(t.lookup(ask(), T0 + HOUR)), ['c']);
    assert.equal(t.size, 1);
  });

  it('matches destination prefixes of every length held, and forgets a length once its last prefix goes', () => {
    const t = new BlockTable();
    t.apply(block('p2', { kind: 'destPrefix', value: '+44' }), T0);
    t.apply(block('p5', { kind: 'destPrefix', value: '+4420' }), T0);
    t.apply(block('p9', { kind: 'destPrefix', value: '+88216' }), T0);
    assert.deepEqual(ids(t.lookup(ask(), T0)).sort(), ['p2', 'p5']);
    assert.deepEqual(ids(t.lookup(ask({ calleeE164: null }), T0)), [], 'a callee that is no number matches no prefix');
    assert.deepEqual(ids(t.lookup(ask({ calleeE164: '+44' }), T0)), [], 'a prefix shorter than the number only');
    t.apply(liftBlock(block('p5', { kind: 'destPrefix', value: '+4420' }), T0, 'ana', 'x'), T0);
    assert.deepEqual(ids(t.lookup(ask(), T0)), ['p2']);
  });

  it('keeps tenants apart, honours exemptions and the international scope, lists one tenant', () => {
    const t = new BlockTable();
    t.apply(block('acme', { kind: 'ip', value: '10.0.0.1' }), T0);
    t.apply(block('other', { kind: 'ip', value: '10.0.0.1' }, { tenant: 'other' }), T0);
    t.apply(block('intl', { kind: 'account', value: '1001' }, { scope: 'international' }), T0);
    assert.deepEqual(ids(t.lookup(ask(), T0)), ['intl', 'acme'], 'account before ip');
    assert.deepEqual(ids(t.lookup(ask({ international: false }), T0)), ['acme']);
    assert.deepEqual(ids(t.lookup(ask({ exempt: new Set(['ip']) }), T0)), ['intl']);
    assert.deepEqual(ids([...t.active(T0, 'other')]), ['other']);
  });

  it('grows past its first columns and reuses freed slots', () => {
    const t = new BlockTable();
    const n = 5000;
    for (let i = 0; i < n; i++) t.apply(block(`b${i}`, { kind: 'caller', value: `+5511${i}` }, { expiresAt: T0 + HOUR + (i % 2) }), T0);
    assert.equal(t.size, n);
    assert.equal(t.sweep(T0 + HOUR), n / 2);
    for (let i = 0; i < n; i += 2) t.apply(block(`again${i}`, { kind: 'caller', value: `+5511${i}` }, { expiresAt: T0 + 2 * HOUR }), T0);
    assert.equal(t.size, n);
    assert.deepEqual(ids(t.lookup(ask({ caller: '+55114000' }), T0 + HOUR)), ['again4000']);
    assert.deepEqual(ids(t.lookup(ask({ caller: '+55114001' }), T0)), ['b4001']);
    assert.equal(t.shapeCount, 1);
  });

  it('property: a sweep a slice at a time drops what one sweep drops, blocks applied between slices included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            subject: fc.integer({ min: 0, max: 30 }),
            kind: fc.constantFrom('caller' as const, 'ip' as const),
            hours: fc.integer({ min: 1, max: 4 }),
          }),
          {
            maxLength: 80,
          },
        ),
        fc.integer({ min: 1, max: 12 }),
        (specs, budget) => {
          const build = () => {
            const t = new BlockTable();
            specs.forEach((b, i) => t.apply(block(`b${i}`, { kind: b.kind, value: `v${b.subject}` }, { expiresAt: T0 + b.hours * HOUR }), T0));
            return t;
          };
          const whole = build();
          const dropped = whole.sweep(T0 + 2 * HOUR);
          const sliced = build();
          // a block applied between slices, expired by then: this pass or the next drops it
          let slicedDropped = sliced.sweep(T0 + 2 * HOUR, budget);
          sliced.apply(block('late', { kind: 'caller', value: 'v-late' }, { expiresAt: T0 + HOUR }), T0);
          for (let calls = 0; calls < 1000 && sliced.size > whole.size; calls++) slicedDropped += sliced.sweep(T0 + 2 * HOUR, budget);
          assert.equal(slicedDropped, dropped + 1);
          assert.deepEqual([...sliced.active(T0 + 2 * HOUR)].map((b) => b.id).sort(), [...whole.active(T0 + 2 * HOUR)].map((b) => b.id).sort());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('holds what a plain list of the blocks applied holds, whatever the adds, replacements, lifts, expiries and sweeps (property)', () => {
    const subject = fc.record({
      kind: fc.constantFrom('caller', 'ip', 'destPrefix', 'account'),
      value: fc.constantFrom('+2917', '+29', '1001', '+551130001000'),
    });
    const op = fc.oneof(
      fc.record({
        op: fc.constant('apply' as const),
        id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
        tenant: fc.constantFrom('acme', 'other'),
        subject,
        lifted: fc.boolean(),
        expiresIn: fc.integer({ min: -2, max: 6 }),
        reason: fc.constantFrom('r1', 'r2'),
      }),
      fc.record({ op: fc.constant('sweep' as const), now: fc.integer({ min: 0, max: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const t = new BlockTable();
        const model = new Map<string, Block>(); // by id: the table keeps one block per id and subject; ids here name one subject at a time
        for (const o of ops) {
          const now = T0 + (o.op === 'sweep' ? o.now : 0) * HOUR;
          if (o.op === 'sweep') {
            t.sweep(now);
            for (const [id, b] of model) if (b.expiresAt <= now) model.delete(id);
            continue;
          }
          const b = block(o.id, o.subject, { tenant: o.tenant, reason: o.reason, expiresAt: T0 + o.expiresIn * HOUR });
          const held = model.get(o.id);
          // an id moved to another subject is a different block to the table: lift the old one first
          if (held && (held.tenant !== b.tenant || held.subject.kind !== b.subject.kind || held.subject.value !== b.subject.value)) {
            t.apply(liftBlock(held, T0, 'ana', 'moved'), T0);
            model.delete(o.id);
          }
          const applied = o.lifted ? liftBlock(b, T0, 'ana', 'x') : b;
          t.apply(applied, T0);
          if (o.lifted || b.expiresAt <= T0) model.delete(o.id);
          else model.set(o.id, b);
        }
        const sorted = (l: Iterable<Block>) => [...l].map((b) => `${b.id} ${b.tenant} ${b.subject.kind} ${b.subject.value} ${b.reason} ${b.expiresAt}`).sort();
        assert.deepEqual(sorted(t.active(T0 - HOUR)), sorted(model.values()));
        assert.equal(t.size, model.size);
        assert.deepEqual(sorted(t.active(T0 - HOUR, 'other')), sorted([...model.values()].filter((b) => b.tenant === 'other')));
        for (const tenant of ['acme', 'other']) {
          const q = ask({ tenant, caller: '+551130001000', account: '1001', ip: '+29', callee: 'x', calleeE164: '+29171234' });
          const want = [...model.values()].filter(
            (b) =>
              b.tenant === tenant &&
              b.expiresAt > T0 &&
              ((b.subject.kind === 'caller' && b.subject.value === q.caller) ||
                (b.subject.kind === 'account' && b.subject.value === q.account) ||
                (b.subject.kind === 'ip' && b.subject.value === q.ip) ||
                (b.subject.kind === 'destPrefix' && (q.calleeE164 as string).startsWith(b.subject.value) && b.subject.value.length < 8)),
          );
          assert.deepEqual(sorted(t.lookup(q, T0)), sorted(want));
        }
      }),
      { numRuns: 300 },
    );
  });
});
