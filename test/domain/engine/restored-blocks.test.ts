import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GONE, RestoredBlocks } from '../../../src/domain/engine/restored-blocks.js';
import type { Subject } from '../../../src/domain/engine/verdicts.js';
import { pinned } from '../../rig/property.js';

interface Held {
  readonly tenant: string;
  readonly rule: string;
  readonly startsAt: number;
  readonly expiresAt: number;
}

const KINDS = ['caller', 'ip', 'account', 'destPrefix'] as const;
const subjectOf = (n: number): Subject => ({ kind: KINDS[n % KINDS.length] as Subject['kind'], value: `+5511${String(n).padStart(8, '0')}` });

const op = fc.oneof(
  {
    weight: 300,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      tenant: fc.integer({ min: 0, max: 3 }),
      subject: fc.integer({ min: 0, max: 2500 }),
      rule: fc.constantFrom('velocity-caller', 'velocity-ip', 'premium-destination'),
      // whole seconds: blocks often start or end exactly at a horizon
      startsAt: fc.integer({ min: 0, max: 100 }).map((s) => s * 1000),
      duration: fc.integer({ min: 1, max: 50 }).map((s) => s * 1000),
    }),
  },
  {
    weight: 40,
    arbitrary: fc.record({ kind: fc.constant('take' as const), tenant: fc.integer({ min: 0, max: 3 }), subject: fc.integer({ min: 0, max: 2500 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('trim' as const),
      horizon: fc.integer({ min: 0, max: 200 }).map((s) => s * 1000),
      shift: fc.integer({ min: 0, max: 20 }).map((s) => s * 1000),
    }),
  },
);

describe('RestoredBlocks', () => {
  it('holds, hands out in restore order and trims part by part exactly what a map of every block would (property)', () => {
    let most = 0; // subjects held at once: past 512 the table has grown (and probes wrapped and shifted back)
    let compactions = 0; // trims that found fewer than an eighth of the entries live copied them into new arrays
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 4000, size: 'max' }),
        fc.integer({ min: 0, max: 30 }).map((s) => s * 1000),
        (ops, withinMs) => {
          const store = new RestoredBlocks();
          const model = new Map<string, Held[]>();
          const keyOf = (tenant: string, s: Subject) => `${tenant}\u0000${s.kind}:${s.value}`;
          for (const o of ops) {
            if (o.kind === 'add') {
              const tenant = `t${o.tenant}`;
              const subject = subjectOf(o.subject);
              const held = { tenant, rule: o.rule, startsAt: o.startsAt, expiresAt: o.startsAt + o.duration };
              store.add(tenant, subject, held.rule, held.startsAt, held.expiresAt);
              model.set(keyOf(tenant, subject), [...(model.get(keyOf(tenant, subject)) ?? []), held]);
            } else if (o.kind === 'take') {
              const tenant = `t${o.tenant}`;
              const subject = subjectOf(o.subject);
              const got: Omit<Held, 'tenant'>[] = [];
              const taken = store.take(tenant, subject, (rule, startsAt, expiresAt) => got.push({ rule, startsAt, expiresAt }));
              const expected = (model.get(keyOf(tenant, subject)) ?? []).map(({ rule, startsAt, expiresAt }) => ({ rule, startsAt, expiresAt }));
              model.delete(keyOf(tenant, subject));
              assert.deepEqual(got, expected);
              assert.equal(taken, expected.length > 0);
            } else {
              // each tenant its own horizon, as each tenant stream has its own watermark
              const horizonOf = (tenant: string) => o.horizon - Number(tenant.slice(1)) * o.shift;
              store.trim(horizonOf, withinMs);
              // each part of a block is forgotten once for good: its quiet once it expired, its count once too old
              for (const [key, held] of model) {
                const kept = held
                  .map((h) => ({
                    ...h,
                    expiresAt: h.expiresAt < horizonOf(h.tenant) ? GONE : h.expiresAt,
                    startsAt: h.startsAt <= horizonOf(h.tenant) - withinMs ? GONE : h.startsAt,
                  }))
                  .filter((h) => h.expiresAt !== GONE || h.startsAt !== GONE);
                if (kept.length === 0) model.delete(key);
                else model.set(key, kept);
              }
            }
            assert.equal(
              store.size,
              [...model.values()].reduce((n, held) => n + held.length, 0),
            );
            most = Math.max(most, model.size);
          }
          compactions += store.compactions;
        },
      ),
      pinned({ numRuns: 60, seed: 20261204 }),
    );
    assert.ok(most > 1000, `at most ${most} subjects held at once`);
    assert.ok(compactions >= 3, `${compactions} compactions`); // 8-17 a run of 60 (seeds tried)
  });

  it('gives its memory back once every block is taken', () => {
    const store = new RestoredBlocks();
    const empty = store.bufferBytes;
    for (let n = 0; n < 20_000; n++) store.add('acme', subjectOf(n), 'velocity-caller', n, n + 60_000);
    assert.ok(store.bufferBytes > empty * 10, `${store.bufferBytes} bytes for 20,000 blocks`);
    for (let n = 0; n < 20_000; n++)
      assert.equal(
        store.take('acme', subjectOf(n), () => {}),
        true,
      );
    assert.equal(store.size, 0);
    assert.equal(store.bufferBytes, empty);
    assert.equal(
      store.take('acme', subjectOf(1), () => {}),
      false,
    );
  });

  it('compacts once most blocks are taken: later trims scan only what is left, and it still hands out every block', () => {
    const store = new RestoredBlocks();
    // two blocks a subject, restored apart (as a rebuild reads them: by time, not by subject)
    for (let n = 0; n < 40_000; n++) store.add('acme', subjectOf(n % 20_000), n < 20_000 ? 'velocity-caller' : 'velocity-ip', n, n + 60_000);
    const full = store.bufferBytes;
    for (let n = 0; n < 19_000; n++) store.take('acme', subjectOf(n), () => {});
    assert.equal(store.size, 2_000);
    store.trim(() => 0, 0);
    assert.equal(store.compactions, 1);
    assert.ok(store.bufferBytes * 8 < full, `${store.bufferBytes} of ${full} bytes kept`);
    // a second rebuild restores more: each goes to the end of its subject's compacted chain
    for (let n = 19_000; n < 20_000; n++) store.add('acme', subjectOf(n), 'premium-destination', n + 40_000, n + 60_000);
    for (let n = 19_000; n < 20_000; n++) {
      const got: string[] = [];
      store.take('acme', subjectOf(n), (rule, startsAt) => got.push(`${rule}@${startsAt}`));
      assert.deepEqual(got, [`velocity-caller@${n}`, `velocity-ip@${n + 20_000}`, `premium-destination@${n + 40_000}`]);
    }
    assert.equal(store.size, 0);
  });
});
