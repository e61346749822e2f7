import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blocksOf, harness, minutes, series } from './harness.js';

describe('engine: each call counted once, each tenant its own stream', () => {
  it('a re-delivered CDR is a duplicate and another leg of a counted call is a leg: neither counts', () => {
    const h = harness({ only: ['velocity-caller'] });
    const first = h.call('2026-03-02T10:00:00-03:00', { callId: 'call-1' });
    assert.equal(h.process(first).status, 'evaluated');
    assert.equal(h.process(first).status, 'duplicate');
    assert.equal(h.process(h.call('2026-03-02T10:00:01-03:00', { callId: 'call-1' })).status, 'leg');
    // four more distinct calls make five: the re-deliveries and the leg above would have made it seven
    const verdicts = h.feed(...series('2026-03-02T10:00:10-03:00', 3, 5, (at) => h.call(at)));
    assert.deepEqual(verdicts, []);
    assert.equal(blocksOf(h.feed(h.call('2026-03-02T10:00:30-03:00'))).length, 1);
  });

  it('an engine of unique events (block-check attempts) counts every event and remembers none as a possible duplicate', () => {
    const h = harness({ only: ['velocity-caller'], uniqueEvents: true });
    // one id and Call-ID for all: a CDR engine would count the first and call the rest duplicates or legs
    const attempts = series('2026-03-02T10:00:00-03:00', 5, 5, (at) => ({ ...h.call(at), id: 'attempt', callId: 'call-1' }));
    const verdicts = h.feed(...attempts);
    assert.equal(h.engine.counts.evaluated, 5);
    assert.equal(h.engine.counts.duplicate + h.engine.counts.leg, 0);
    assert.equal(blocksOf(verdicts).length, 1, 'five attempts to distinct numbers in a minute: blocked');
  });

  it('a tenant far ahead in event time does not make another tenant late (partitions interleave freely)', () => {
    const h = harness({ only: ['velocity-caller'], allowedLatenessMs: minutes(60) });
    h.feed(h.call('2026-03-02T20:00:00-03:00', { tenant: 'ahead' }));
    const behind = series('2026-03-02T10:00:00-03:00', 5, 5, (at) => h.call(at, { tenant: 'behind' }));
    const verdicts = h.feed(...behind);
    assert.equal(h.engine.counts['too-late'], 0);
    const [block] = blocksOf(verdicts);
    assert.equal(block?.tenant, 'behind', 'issued: its expiry is judged against its own tenant watermark');
    assert.equal(h.process(h.call('2026-03-02T08:59:59-03:00', { tenant: 'behind' })).status, 'too-late');
  });

  it('a restored block keeps repeats quiet and counts for escalation (state rebuild)', () => {
    const h = harness({ only: ['velocity-caller'] });
    const [original] = blocksOf(h.feed(...series('2026-03-02T10:00:00-03:00', 5, 5, (at) => h.call(at))));
    assert.ok(original);
    const rebuilt = harness({ only: ['velocity-caller'] });
    rebuilt.engine.restoreBlock(original);
    assert.deepEqual(rebuilt.feed(...series('2026-03-02T10:01:00-03:00', 5, 5, (at) => rebuilt.call(at))), [], 'still blocked: suppressed');
    const [next] = blocksOf(rebuilt.feed(...series('2026-03-02T10:10:00-03:00', 5, 5, (at) => rebuilt.call(at))));
    assert.equal(next?.level, 2, 'the restored block counts as the first offence');
  });

  it('a restored block that expired, its subject silent through the trims since, still counts for escalation within a day', () => {
    const h = harness({ only: ['velocity-caller'] });
    const [original] = blocksOf(h.feed(...series('2026-03-02T10:00:00-03:00', 5, 5, (at) => h.call(at))));
    assert.ok(original);
    const rebuilt = harness({ only: ['velocity-caller'] });
    rebuilt.engine.restoreBlock(original);
    // eight hours of other callers, a call each: past the block's end and the lateness, enough calls to trim state
    const others = series('2026-03-02T10:06:00-03:00', 5_000, 6, (at, i) => rebuilt.call(at, { caller: `+5511${String(30_000_000 + i * 37)}` }));
    assert.deepEqual(rebuilt.feed(...others), []);
    const [next] = blocksOf(rebuilt.feed(...series('2026-03-02T18:30:00-03:00', 5, 5, (at) => rebuilt.call(at))));
    assert.equal(next?.level, 2, 'blocked 8.5 hours earlier, within the 24-hour escalation window');
  });
});
