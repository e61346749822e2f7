import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttemptVerdicts } from '../../src/api/attempt-verdicts.js';
import type { DecisionTally } from '../../src/domain/blocks/decision-counts.js';
import type { Alert } from '../../src/domain/engine/verdicts.js';
import { SentinelaError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';

const alert = (id: string): Alert => ({
  kind: 'alert',
  id,
  tenant: 'acme',
  rule: 'attempt-velocity-caller',
  severity: 'critical',
  subject: { kind: 'caller', value: '+551130001000' },
  at: 0,
  evidence: [],
  details: {},
});
const until = async (done: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('verdicts were not all written');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('attempt verdicts leave the request path in batches', () => {
  it('stores every verdict, those written while a write runs in the next batch, through store outages', async () => {
    const writes: string[][] = [];
    let failures = 2;
    const verdicts = new AttemptVerdicts({
      log: createLogger('silent'),
      backoff: { initialMs: 5, maxMs: 10 },
      sinks: [
        async (batch) => {
          await new Promise((r) => setTimeout(r, 10)); // a slow round trip
          if (failures-- > 0) throw new SentinelaError('STORE_UNAVAILABLE', 'down (injected)');
          writes.push(batch.verdicts.map((v) => v.id));
        },
      ],
      decisionSinks: [],
    });
    verdicts.write([alert('a1')]);
    verdicts.write([alert('a2')]);
    verdicts.write([alert('a3')]);
    await until(() => writes.flat().length === 3);
    assert.deepEqual(writes, [['a1'], ['a2', 'a3']]);
    verdicts.write([alert('a4')]); // after a write that overlapped a flush, writing still works
    verdicts.write([alert('a5')]);
    await until(() => writes.flat().length === 5);
    assert.deepEqual(writes.flat(), ['a1', 'a2', 'a3', 'a4', 'a5']);
    await verdicts.drain(100);
  });

  it('block-check tallies have a flusher of their own: neither a verdict write held up nor a failing tally write holds the other', async () => {
    const tally = (tenant: string, take: string): DecisionTally => ({
      minute: 0,
      tenant,
      allow: 1,
      block: 0,
      throttle: 0,
      failOpen: 0,
      failClosed: 0,
      shed: 0,
      take,
    });
    const stored: string[] = [];
    const published: string[] = [];
    let kafkaUp = false;
    let tallyFailures = 2;
    const writer = new AttemptVerdicts({
      log: createLogger('silent'),
      backoff: { initialMs: 5, maxMs: 10 },
      sinks: [
        async (batch) => {
          if (!kafkaUp) throw new SentinelaError('STORE_UNAVAILABLE', 'Kafka down (injected)');
          published.push(...batch.verdicts.map((v) => v.id));
        },
      ],
      decisionSinks: [
        async (batch) => {
          if (tallyFailures-- > 0) throw new SentinelaError('STORE_UNAVAILABLE', 'ClickHouse down (injected)');
          stored.push(...batch.decisions.map((d) => `${d.tenant}@${d.take}`));
        },
      ],
    });
    writer.write([alert('held')]);
    // retried through two failures, then stored once, while the verdict write still waits for Kafka
    await writer.writeDecisions([tally('acme', 'w:0'), tally('globex', 'w:0')]);
    await writer.writeDecisions([tally('acme', 'w:1')]);
    assert.deepEqual(stored, ['acme@w:0', 'globex@w:0', 'acme@w:1']);
    assert.deepEqual(published, []);
    kafkaUp = true;
    tallyFailures = Infinity; // now the tallies cannot be stored: the verdicts go on
    writer.write([alert('next')]);
    await until(() => published.length === 2);
    assert.deepEqual(published, ['held', 'next']);
    const abandoned = writer.writeDecisions([tally('acme', 'w:2')]);
    await writer.drain(20);
    await assert.rejects(abandoned, 'tallies not stored by the end of the drain are reported (and logged), not silently lost');
  });
});
