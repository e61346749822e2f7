import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClickHouseApiStore } from '../../../src/adapters/clickhouse/api-store.js';
import { BlockLineReader, blocksOfLines } from '../../../src/adapters/clickhouse/block-stream.js';
import { BlockTable } from '../../../src/domain/blocks/block-table.js';
import { liftBlock, type Block } from '../../../src/domain/blocks/block.js';
import type { Subject } from '../../../src/domain/engine/verdicts.js';
import { testBlock } from '../../domain/blocks/test-block.js';
import { migrated } from '../../processor/rig.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

const NOW = Date.parse('2026-03-02T15:00:00-03:00');
const HOUR = 3_600_000;
const block = (id: string, subject: Subject, over: Partial<Block> = {}): Block =>
  testBlock(id, subject, { startsAt: NOW - HOUR, expiresAt: NOW + HOUR, ...over });

describe('bootstrap stream of active blocks (chDB, TabSeparated lines)', () => {
  let ch: TestClickHouse;
  let store: ClickHouseApiStore;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
    store = new ClickHouseApiStore(ch.client, ch.database);
  });
  after(() => ch.drop());

  const active = [
    block('plain', { kind: 'caller', value: '+551130001000' }),
    block(
      'hostile',
      { kind: 'account', value: 'tab\there\nnew\\line \u0000 zero' },
      {
        reason: 'ração\tcom\\barra\r\n"aspas" \'x\' 🚨',
        createdBy: 'ana.souza',
        source: 'manual',
        rule: 'manual',
        scope: 'international',
        level: 3,
      },
    ),
    block('throttle', { kind: 'account', value: '1001' }, { throttle: { calls: 2, perMs: 60_000 } }),
    block('prefix', { kind: 'destPrefix', value: '+2917' }, { tenant: 'other' }),
  ];

  it('gives back every active block field for field, texts with tabs, newlines and backslashes included; lifted and expired ones not', async () => {
    const lifted = block('lifted', { kind: 'ip', value: '10.0.0.9' });
    await store.saveBlocks([...active, lifted, block('expired', { kind: 'ip', value: '10.0.0.8' }, { expiresAt: NOW - 1 })]);
    await store.saveBlocks([liftBlock(lifted, NOW - 1000, 'ana', 'false positive')]);
    const read = blocksOfLines(await store.activeBlocks(NOW));
    const byId = (a: Block, b: Block) => a.id.localeCompare(b.id);
    assert.deepEqual([...read].sort(byId), [...active].sort(byId));
  });

  it('reads the same however the bytes are split into chunks, a last line without its newline included', async () => {
    const bytes = Buffer.concat(await store.activeBlocks(NOW));
    const whole = blocksOfLines([bytes]);
    assert.equal(whole.length, active.length);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      assert.deepEqual(blocksOfLines([bytes.subarray(0, cut), bytes.subarray(cut, cut + 3), bytes.subarray(cut + 3)]), whole, `cut at ${cut}`);
    }
    assert.deepEqual(blocksOfLines([bytes.subarray(0, bytes.length - 1)]), whole, 'no newline at the end');
  });

  it('loads the block table without keeping the reused entry, and refuses a line that is not a block', async () => {
    const table = new BlockTable();
    const reader = new BlockLineReader((e) => void table.apply(e, NOW));
    for (const c of await store.activeBlocks(NOW)) reader.push(c);
    assert.equal(reader.end(), active.length);
    assert.deepEqual([...table.active(NOW)].map((b) => b.id).sort(), active.map((b) => b.id).sort());
    assert.throws(() => blocksOfLines([Buffer.from('a\tb\tc\n')]), /14 tab-separated fields/);
    assert.throws(() => blocksOfLines([Buffer.from('id\tt\tcaller\t+1\tr\treason\tx\tall\trule\t\t1\t2\t0\t0\n')]), /a number expected/);
  });

  it('reads texts that repeat from line to line, and texts of the same length that do not, each as it is (the repeat cache)', async () => {
    const texts = ['r1', 'r2', '', 'é1', 'é2', 'a\tb', 'a\nb', '🚨'];
    const many = Array.from({ length: 240 }, (_, i) =>
      block(
        `rep-${String(i).padStart(3, '0')}`,
        { kind: (['caller', 'ip', 'account'] as const)[Math.floor(i / 80)] as 'caller', value: `v${i % 7}-${i}` },
        {
          tenant: ['t1', 't2', 'tt'][Math.floor(i / 30) % 3] as string,
          rule: texts[Math.floor(i / 3) % texts.length] as string,
          reason: texts[i % texts.length] as string,
          createdBy: texts[Math.floor(i / 5) % texts.length] as string,
          source: i % 11 === 0 ? 'manual' : 'rule',
          scope: i % 13 === 0 ? 'international' : 'all',
          level: 1 + (i % 3),
          ...(i % 4 === 0 ? { throttle: { calls: 1 + (i % 5), perMs: 60_000 } } : {}),
        },
      ),
    );
    await store.saveBlocks(many);
    const read = blocksOfLines(await store.activeBlocks(NOW)).filter((b) => b.id.startsWith('rep-'));
    const byId = (a: Block, b: Block) => a.id.localeCompare(b.id);
    assert.deepEqual([...read].sort(byId), many);
  });
});
