import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { compactRows, insertRows } from '../../../src/adapters/clickhouse/queries.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

/** What ClickHouse keeps of a JS string: its UTF-8 encoding (a lone surrogate becomes U+FFFD). */
const stored = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
/** Text that TabSeparated and quoted literals must escape, among arbitrary UTF-16 (lone surrogates included). */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\\', '\t', '\n', '\r', '\0', '\b', '\f', "'", '\\N', '[', ']', '{', '}', ':', ','),
    fc.string({ unit: 'binary', maxLength: 1 }),
  ),
  maxLength: 24,
});
/** Map keys stay distinct once stored (two lone surrogates would both become U+FFFD). */
const mapKey = fc.string({ unit: fc.constantFrom('a', 'b', '\\', "'", '\t', '\n', ':', '{', '}', ',', 'é'), maxLength: 6 });

describe('insertRows (JSONCompactEachRowWithNames)', () => {
  let ch: TestClickHouse;
  let table: string;
  before(async () => {
    ch = await createTestDatabase();
    table = `${ch.database}.text_roundtrip`;
    await ch.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${ch.database}` });
    await ch.client.command({
      query: `CREATE TABLE ${table} (run UInt32, k UInt32, s String, n Nullable(String), a Array(String), m Map(String, String), b Bool, f Nullable(Float64), at DateTime64(3, 'UTC'), d String DEFAULT 'dflt') ENGINE = MergeTree ORDER BY (run, k)`,
    });
  });
  after(() => ch.drop());

  it('reads back from ClickHouse exactly what was written: tabs, newlines, backslashes, quotes, control characters, any UTF-16 (lone surrogates as U+FFFD)', async () => {
    let run = 0;
    const row = fc.record({
      s: hostile,
      n: fc.option(hostile, { nil: null }),
      a: fc.array(hostile, { maxLength: 4 }),
      m: fc.dictionary(mapKey, hostile, { maxKeys: 3 }),
      b: fc.boolean(),
      f: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
      at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), async (rows) => {
        run++;
        await insertRows(
          ch.client,
          table,
          rows.map((r, k) => ({ run, k, ...r })),
          'none',
        );
        const back = await ch.rows<{ s: string; n: string | null; a: string[]; m: Record<string, string>; b: boolean; f: number | null; at: string }>(
          `SELECT s, n, a, m, b, f, toUnixTimestamp64Milli(at) AS at FROM ${table} WHERE run = {run:UInt32} ORDER BY k`,
          { run },
        );
        assert.deepEqual(
          back.map((r) => ({ ...r, at: Number(r.at) })),
          rows.map((r) => ({
            s: stored(r.s),
            n: r.n === null ? null : stored(r.n),
            a: r.a.map(stored),
            m: Object.fromEntries(Object.entries(r.m).map(([k, v]) => [stored(k), stored(v)])),
            b: r.b,
            f: r.f === null ? null : Object.is(r.f, -0) ? 0 : r.f,
            at: r.at,
          })),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('gives a key a row lacks (or holds as null) the column DEFAULT, and takes a key only later rows have', async () => {
    await insertRows(
      ch.client,
      table,
      [
        { run: 100_000, k: 0, s: 'x', at: 0 },
        { run: 100_000, k: 1, s: 'y', at: 0, d: null },
        { run: 100_000, k: 2, s: 'z', at: 0, d: 'set', n: 'late' },
      ],
      'none',
    );
    const back = await ch.rows<{ d: string; n: string | null }>(`SELECT d, n FROM ${table} WHERE run = 100000 ORDER BY k`);
    assert.deepEqual(back, [
      { d: 'dflt', n: null },
      { d: 'dflt', n: null },
      { d: 'set', n: 'late' },
    ]);
  });

  it('encodes one column list for every row, in first-seen order, a lone surrogate as U+FFFD', () => {
    const body = compactRows([
      { a: 'x\ty', b: ['\ud800', 'c:\\d'] },
      { b: [], a: null, c: { k: '\udc00' } },
    ]);
    assert.equal(body, '["a","b","c"]\n["x\\ty",["\ufffd","c:\\\\d"],null]\n[null,[],{"k":"\ufffd"}]');
  });
});
