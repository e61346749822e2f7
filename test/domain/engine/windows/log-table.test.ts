import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KeyedLog } from '../../../../src/domain/engine/windows/keyed-log.js';
import { LogTable } from '../../../../src/domain/engine/windows/log-table.js';

const events = fc.array(fc.record({ key: fc.integer({ min: 0, max: 40 }), t: fc.integer({ min: 0, max: 300_000 }) }), { minLength: 1, maxLength: 200 });

/** Every key's event times in one slot, as the table holds them after a trim. */
function contents(log: KeyedLog, keys: Iterable<number>, table: LogTable): string {
  const out: string[] = [];
  for (const k of keys) {
    const record = table.recordOf(`k${k}`);
    out.push(`${k}:${(record[0] ?? []).filter((_, i) => i % 2 === 0).join(',')}`);
  }
  return `${out.join(' ')} | keys ${log.keyCount} events ${log.eventCount()}`;
}

describe('window logs trimmed a slice at a time (issue 19: no stall of the event loop)', () => {
  it('property: a trim carried out in slices of any size leaves what one trim leaves', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 1, max: 50 }), (evs, horizon, budget) => {
        const build = () => {
          const table = new LogTable();
          const log = new KeyedLog(false, { table, windowMs: 0 });
          evs.forEach((e, seq) => log.insert(`k${e.key}`, e.t, seq));
          return { table, log };
        };
        const whole = build();
        whole.table.trim(horizon);
        const sliced = build();
        sliced.table.beginTrim(horizon);
        let slices = 0;
        while (!sliced.table.trimSome(budget)) slices++;
        assert.ok(slices <= Math.ceil(41 / budget));
        // counts first: reading contents re-creates empty records
        assert.equal(sliced.log.keyCount, whole.log.keyCount);
        assert.equal(sliced.log.eventCount(), whole.log.eventCount());
        const keys = new Set(evs.map((e) => e.key));
        assert.equal(contents(sliced.log, keys, sliced.table), contents(whole.log, keys, whole.table));
      }),
      { numRuns: 300 },
    );
  });

  it('property: events counted between slices of a trim are all kept (none lands in a record the trim evicted)', () => {
    fc.assert(
      fc.property(events, events, fc.integer({ min: 1, max: 8 }), (before, during, budget) => {
        const table = new LogTable();
        const log = new KeyedLog(false, { table, windowMs: 0 });
        before.forEach((e, seq) => log.insert(`k${e.key}`, e.t, seq));
        // everything before is older than the horizon: the pass evicts every record it visits
        table.beginTrim(400_000);
        let i = 0;
        while (!table.trimSome(budget)) {
          const e = during[i++ % during.length];
          if (e !== undefined) log.insert(`k${e.key}`, 400_000 + e.t, 1_000 + i);
        }
        assert.equal(log.eventCount(), i, 'one event inserted per slice, all kept; all older ones dropped');
      }),
      { numRuns: 300 },
    );
  });
});
