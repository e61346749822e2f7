import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClickHouseApiStore } from '../../../src/adapters/clickhouse/api-store.js';
import { liftBlock } from '../../../src/domain/blocks/block.js';
import { blocksOf, harness, series, throttlesOf } from '../../domain/engine/harness.js';
import { migrated } from '../../processor/rig.js';
import { createTestDatabase, type TestClickHouse } from '../../rig/clickhouse.js';
import { gradedRule } from '../../domain/engine/graded-rule.js';

const GRADED = gradedRule();

/** The throttle at warn, then the block and the rule's lift of the throttle (six calls 40 s apart, fixed clock). */
function graded(account: string) {
  const h = harness({ only: [], rules: [GRADED] });
  const v = h.feed(...series('2026-03-02T10:00:00-03:00', 6, 40, (at, i) => h.call(at, { account, caller: `+55113000100${i}` })));
  const [throttle, superseded] = throttlesOf(v);
  const [block] = blocksOf(v);
  assert.ok(throttle && superseded && block);
  assert.deepEqual([throttle.state, superseded.state], ['active', 'lifted']);
  return { throttle, superseded, block };
}

describe('the blocks table keeps the right state of a superseded throttle (chDB, ReplacingMergeTree FINAL)', () => {
  let ch: TestClickHouse;
  let store: ClickHouseApiStore;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
    store = new ClickHouseApiStore(ch.client, ch.database);
  });
  after(() => ch.drop());

  it("an operator's lift, then the rule's supersede (a later time): the operator's lift stays", async () => {
    const { throttle, superseded, block } = graded('sales');
    const byOperator = liftBlock(throttle, throttle.startsAt + 60_000, 'ana.souza', 'customer confirmed the calls');
    assert.ok(byOperator.liftedAt !== undefined && byOperator.liftedAt < block.startsAt, 'the operator lifted before the block');
    await store.saveBlocks([throttle]);
    await store.saveBlocks([byOperator]);
    await store.saveBlocks([superseded, block]);
    const stored = await store.findBlock(throttle.id);
    assert.deepEqual(
      [stored?.state, stored?.liftedAt, stored?.liftedBy, stored?.liftReason],
      ['lifted', byOperator.liftedAt, 'ana.souza', 'customer confirmed the calls'],
    );
    assert.equal((await store.findBlock(block.id))?.state, 'active');
  });

  it("without an operator, the rule's supersede replaces the active throttle, also when the throttle is stored again (replay)", async () => {
    const h = graded('support');
    await store.saveBlocks([h.throttle]);
    await store.saveBlocks([h.superseded, h.block]);
    await store.saveBlocks([h.throttle]);
    const stored = await store.findBlock(h.throttle.id);
    assert.deepEqual([stored?.state, stored?.liftedBy, stored?.liftedAt], ['lifted', 'rule:graded-account', h.block.startsAt]);
  });
});
