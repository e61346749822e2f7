import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SentinelaError } from '../../src/errors.js';
import { PendingBatch } from '../../src/pipeline/batch.js';
import { ahead, Flusher } from '../../src/pipeline/flusher.js';

/** A batch holding one refused record, told apart by its position (the offset a Kafka source would commit). */
function batch(n: number): PendingBatch {
  const b = new PendingBatch();
  b.addRejected(Buffer.from('{'), null, new SentinelaError('CDR_NOT_JSON', 'not JSON'), {
    kind: 'kafka',
    topic: 'cdrs',
    partition: 0,
    offset: n - 1,
    format: 'canonical',
  });
  b.position('cdrs', 0, n, undefined);
  return b;
}
const nextOf = (b: PendingBatch) => b.commits()[0]?.offset;

describe('Flusher: ordered, retried persistence', () => {
  it('persists and acknowledges batches in order; a failing sink holds the head until it recovers (A11)', async () => {
    const written: string[] = [];
    const acked: string[] = [];
    const events: string[] = [];
    let failures = 3;
    const flusher = new Flusher({
      sinks: [
        async (b) => {
          if (failures-- > 0) throw new SentinelaError('STORE_UNAVAILABLE', 'down (injected)');
          written.push(`a${nextOf(b)}`);
        },
        async (b) => void written.push(`b${nextOf(b)}`),
      ],
      ack: async (b) => void acked.push(String(nextOf(b))),
      failed: (e) => events.push(`failed ${e.code}`),
      recovered: () => events.push('recovered'),
      backoff: { initialMs: 5, maxMs: 20 },
    });
    const batches = [batch(1), batch(2), batch(3)];
    for (const b of batches) flusher.seal(b);
    await flusher.settle();
    assert.equal(flusher.degraded, true, 'settle returns as soon as the store fails');
    await Promise.all(batches.map((b) => b.done));
    assert.deepEqual(written, ['a1', 'b1', 'a2', 'b2', 'a3', 'b3'], 'sinks in order, batches in order, nothing doubled');
    assert.deepEqual(acked, ['1', '2', '3']);
    assert.deepEqual(events, ['failed STORE_UNAVAILABLE', 'failed STORE_UNAVAILABLE', 'failed STORE_UNAVAILABLE', 'recovered']);
    assert.equal(flusher.degraded, false);
  });

  it('retries a sink that throws a TypeError (a bug is not a reason to skip a batch)', async () => {
    let calls = 0;
    const flusher = new Flusher({
      sinks: [async () => void (calls++ === 0 ? (null as unknown as { x: number }).x : 0)],
      backoff: { initialMs: 1, maxMs: 1 },
    });
    const b = batch(1);
    flusher.seal(b);
    await b.done;
    assert.equal(calls, 2);
  });

  it('on stop, abandons what the store still refuses, unacknowledged, and refuses new batches', async () => {
    const acked: PendingBatch[] = [];
    const flusher = new Flusher({
      sinks: [async () => Promise.reject(new SentinelaError('STORE_UNAVAILABLE', 'down'))],
      ack: async (b) => void acked.push(b),
      backoff: { initialMs: 5, maxMs: 5 },
    });
    const held = batch(1);
    flusher.seal(held);
    await flusher.settle();
    flusher.stop();
    await assert.rejects(held.done, (e: SentinelaError) => e.code === 'INGEST_UNAVAILABLE');
    const late = batch(2);
    flusher.seal(late);
    await assert.rejects(late.done, (e: SentinelaError) => e.code === 'INGEST_UNAVAILABLE');
    assert.deepEqual(acked, []);
  });

  it('an ahead sink takes a sealed batch while the one before is still in the later sinks, in order, and never again on a retry', async () => {
    const written: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let storeFailures = 2;
    const flusher = new Flusher({
      sinks: [
        ahead(async (b) => void written.push(`kafka${nextOf(b)}`)),
        async (b) => {
          if (nextOf(b) === '1') await held;
          if (nextOf(b) === '2' && storeFailures-- > 0) throw new SentinelaError('STORE_UNAVAILABLE', 'down (injected)');
          written.push(`store${nextOf(b)}`);
        },
      ],
      backoff: { initialMs: 1, maxMs: 5 },
    });
    const batches = [batch(1), batch(2), batch(3)];
    for (const b of batches) flusher.seal(b);
    while (written.length < 3) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(written, ['kafka1', 'kafka2', 'kafka3'], 'every sealed batch reached the ahead sink while the first one is still being stored');
    release();
    await Promise.all(batches.map((b) => b.done));
    assert.deepEqual(written, ['kafka1', 'kafka2', 'kafka3', 'store1', 'store2', 'store3'], 'the retried store did not send batch 2 to Kafka again, behind 3');
  });

  it('an ahead sink that fails holds every later batch back from it until the run loop sends them in order', async () => {
    const written: string[] = [];
    let kafkaFailures = 1;
    const flusher = new Flusher({
      sinks: [
        ahead(async (b) => {
          if (nextOf(b) === '1' && kafkaFailures-- > 0) throw new SentinelaError('KAFKA_UNAVAILABLE', 'down (injected)');
          written.push(`kafka${nextOf(b)}`);
        }),
        async (b) => void written.push(`store${nextOf(b)}`),
      ],
      backoff: { initialMs: 1, maxMs: 5 },
    });
    const batches = [batch(1), batch(2)];
    for (const b of batches) flusher.seal(b);
    await Promise.all(batches.map((b) => b.done));
    assert.deepEqual(written, ['kafka1', 'store1', 'kafka2', 'store2']);
  });

  it('room(n) resolves once fewer than n batches wait, before the queue drains (the source fills the next batch meanwhile)', async () => {
    const releases: (() => void)[] = [];
    const flusher = new Flusher({ sinks: [() => new Promise<void>((resolve) => releases.push(resolve))], backoff: { initialMs: 1, maxMs: 1 } });
    const batches = [batch(1), batch(2)];
    for (const b of batches) flusher.seal(b);
    let roomy = false;
    const room = flusher.room(2).then(() => (roomy = true));
    while (releases.length < 1) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(roomy, false, 'two sealed, none persisted: no room');
    releases.shift()?.();
    await room;
    assert.equal(flusher.depth, 1, 'room while the second batch still persists');
    while (releases.length < 1) await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
    await Promise.all(batches.map((b) => b.done));
  });
});
