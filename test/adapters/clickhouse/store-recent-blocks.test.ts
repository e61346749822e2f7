import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readMigrations } from '../../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../../src/adapters/clickhouse/migrator.js';
import { ClickHouseStore } from '../../../src/adapters/clickhouse/store.js';
import { blockOfEntry } from '../../../src/domain/blocks/block-table.js';
import { liftBlock, type Block } from '../../../src/domain/blocks/block.js';
import { testBlock } from '../../domain/blocks/test-block.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';

const T0 = Date.parse('2026-03-02T13:00:00Z');
const block = (id: string, startsAt: number, more: Partial<Block> = {}): Block =>
  testBlock(id, { kind: 'caller', value: `+5511300010${id.length}` }, { reason: 'reason', startsAt, expiresAt: startsAt + 300_000, ...more });

/** The state rebuild's read of rule blocks (issue 19): TabSeparated lines streamed into one reused entry. */
describe('ClickHouseStore.recentBlocks', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrate(ch.client, { database: ch.database, retentionDays: 0, migrations: readMigrations() });
  });
  after(() => ch.drop());

  it('streams the rule blocks not lifted that started since, oldest first, each as stored', async () => {
    const store = new ClickHouseStore(ch.client, ch.database);
    const later = block('later', T0 + 60_000, { level: 2, subject: { kind: 'ip', value: '203.0.113.7' }, reason: 'tab\there, line\nthere, back\\slash' });
    const throttle = block('throttle', T0, { throttle: { calls: 2, perMs: 60_000 }, scope: 'international' });
    const lifted = liftBlock(block('lifted', T0 + 1000), T0 + 2000, 'op', 'wrong');
    await store.saveBlocks([later, throttle, block('old', T0 - 86_400_000), block('manual', T0, { source: 'manual', createdBy: 'op' }), lifted]);
    const read: Block[] = [];
    const n = await store.recentBlocks(T0 - 1000, (e) => read.push(blockOfEntry(e)));
    assert.equal(n, 2);
    assert.deepEqual(read, [throttle, later]);
  });

  it('reads a result larger than the slices it is read in (yielding between them), every line whole and in order', async () => {
    const store = new ClickHouseStore(ch.client, ch.database);
    const many = Array.from({ length: 600 }, (_, i) =>
      testBlock(
        `many-${i}`,
        { kind: 'caller', value: `+55119${String(i).padStart(8, '0')}` },
        { reason: `é ${'r'.repeat(i % 97)}`, startsAt: T0 + 3_600_000 + i, expiresAt: T0 + 7_200_000 },
      ),
    );
    await store.saveBlocks(many);
    const read: Block[] = [];
    const n = await store.recentBlocks(T0 + 3_600_000, (e) => read.push(blockOfEntry(e)));
    assert.equal(n, many.length);
    assert.deepEqual(read, many);
  });
});
