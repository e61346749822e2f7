import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { parseConfig } from '../../src/config/config.js';
import { SentinelaError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { pipelineParts } from '../../src/main/parts.js';
import type { PendingBatch } from '../../src/pipeline/batch.js';
import { BodyIngest } from '../../src/pipeline/body-ingest.js';
import { createPipelineMetrics } from '../../src/pipeline/metrics.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { BatchSink } from '../../src/pipeline/ports.js';

const NOW = Date.parse('2026-03-02T18:00:00-03:00');
const config = parseConfig({ SENTINELA_MAX_MESSAGE_BYTES: '1024' });
const ruleFiles = loadRuleFiles('rules');

function line(id: string, at: number, callee = '+551130002000'): string {
  return JSON.stringify({
    id,
    tenant: 'acme',
    account: 'sales',
    caller: '+551130001000',
    callee,
    srcIp: '200.160.2.3',
    startedAt: at,
    answeredAt: at,
    endedAt: at + 30_000,
    durationSec: 30,
    billSec: 30,
    disposition: 'ANSWERED',
  });
}

/** The embedded pipeline's parts with a sink that keeps what it is given (and may fail on purpose). */
function embedded(sink: BatchSink) {
  const pipeline = new Pipeline(
    pipelineParts({ config, ruleFiles, log: createLogger('silent'), sinks: [sink], clock: () => NOW, backoff: { initialMs: 5, maxMs: 20 } }),
  );
  return { pipeline, ingest: new BodyIngest(pipeline) };
}

describe('the pipeline with an HTTP body as its source', () => {
  it('takes a body as one batch: accepted, duplicates, refused lines with their number and code, verdicts', async () => {
    const batches: PendingBatch[] = [];
    const { pipeline, ingest } = embedded(async (b) => void batches.push(b));
    await pipeline.start();
    const burst = Array.from({ length: 6 }, (_, i) => line(`v${i}`, NOW - 600_000 + i * 5_000, `+55113000${2000 + i * 37}`));
    const body = [
      ...burst,
      '{"id":',
      line('big', NOW - 1000).replace('"acme"', `"acme","extra":{"pad":"${'x'.repeat(1100)}"}`),
      '',
      line('v0', NOW - 600_000),
    ].join('\r\n');
    const answer = await ingest.ingest(Buffer.from(body), 'canonical');
    assert.equal(answer.received, 9);
    assert.equal(answer.accepted, 6);
    assert.equal(answer.duplicates, 1);
    assert.deepEqual(
      answer.rejected.map((r) => [r.line, r.code]),
      [
        [7, 'CDR_NOT_JSON'],
        [8, 'CDR_TOO_LARGE'],
      ],
    );
    assert.ok(
      answer.verdicts.some((v) => v.kind === 'block' && v.rule === 'velocity-caller'),
      JSON.stringify(answer.verdicts),
    );
    assert.equal(batches.length, 1, 'one body, one batch');
    assert.equal(batches[0]?.rejected.length, 2, 'refused lines are dead-lettered in the same batch');
    await pipeline.stop();
  });

  it('dead-letters a record its decoder finds no CDR in (an empty CSV message), never drops it (found by the fuzz lane)', async () => {
    const batches: PendingBatch[] = [];
    const { pipeline } = embedded(async (b) => void batches.push(b));
    await pipeline.start();
    const csv = pipeline.newDecoder({ name: 'asterisk-csv', options: {} });
    pipeline.accept({ kind: 'kafka', topic: 'pbx1.cdr', partition: 0 }, csv, Buffer.alloc(0), null, 41);
    const batch = pipeline.seal();
    await batch.done;
    assert.deepEqual(
      batches[0]?.rejected.map((r) => [r.source.offset, r.code, r.message]),
      [[41, 'CDR_INVALID', 'the asterisk-csv record holds no record (it is empty)']],
    );
    await pipeline.stop();
  });

  it('while the store fails: the waiting body is persisted once it is back, a new body gets 503 meanwhile (A11)', async () => {
    let failures = 2;
    const stored: string[] = [];
    const { pipeline, ingest } = embedded(async (b) => {
      if (failures-- > 0) throw new SentinelaError('STORE_UNAVAILABLE', 'down (injected)');
      stored.push(...b.cdrs.map((r) => r.cdr.id));
    });
    await pipeline.start();
    const first = ingest.ingest(Buffer.from(line('a1', NOW - 60_000)), 'canonical');
    while (pipeline.state.name !== 'degraded') await new Promise((r) => setTimeout(r, 1));
    await assert.rejects(ingest.ingest(Buffer.from(line('a2', NOW - 50_000)), 'canonical'), (e: SentinelaError) => e.code === 'INGEST_UNAVAILABLE');
    assert.equal((await first).accepted, 1);
    assert.equal(pipeline.state.name, 'running');
    assert.equal((await ingest.ingest(Buffer.from(line('a2', NOW - 50_000)), 'canonical')).accepted, 1);
    assert.deepEqual(stored, ['a1', 'a2'], 'nothing lost, nothing doubled');
    await pipeline.stop();
  });

  it('answers a body of duplicates only after the body before it is persisted (an answer means stored)', async () => {
    const order: string[] = [];
    const { pipeline, ingest } = embedded(async (b) => {
      await new Promise((r) => setTimeout(r, 20)); // a slow store
      order.push(`stored ${b.cdrs.map((r) => r.cdr.id).join(',')}`);
    });
    await pipeline.start();
    const body = Buffer.from(line('d1', NOW - 60_000));
    const first = ingest.ingest(body, 'canonical').then((a) => order.push(`answered accepted=${a.accepted}`));
    const again = ingest.ingest(body, 'canonical').then((a) => order.push(`answered duplicates=${a.duplicates}`));
    await Promise.all([first, again]);
    assert.deepEqual(order, ['stored d1', 'answered accepted=1', 'answered duplicates=1']);
    await pipeline.stop();
  });

  it('counts and logs usage profiles the cap dropped to make room (a flood of callers), once each', async () => {
    const metrics = createPipelineMetrics(new Registry(), false);
    type Line = { msg: string; kind?: string; dropped?: number };
    const logged: Line[] = [];
    const out = new PassThrough().on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .trim()
        .split('\n')
        .forEach((l) => logged.push(JSON.parse(l) as Line)),
    );
    const capped = parseConfig({ SENTINELA_MAX_USAGE_SUBJECTS: '1000' });
    const parts = pipelineParts({ config: capped, ruleFiles, log: createLogger('info', out), sinks: [async () => {}], clock: () => NOW, metrics });
    const pipeline = new Pipeline(parts);
    const ingest = new BodyIngest(pipeline);
    await pipeline.start();
    const flood = (from: number) =>
      Array.from({ length: 700 }, (_, i) =>
        line(`f${from + i}`, NOW - 3_600_000 + (from + i) * 1_000).replace('+551130001000', `+55113${String(1_000_000 + from + i)}`),
      );
    await ingest.ingest(Buffer.from(flood(0).join('\n')), 'canonical');
    await ingest.ingest(Buffer.from(flood(700).join('\n')), 'canonical');
    const dropped = (await metrics.usageDropped.get()).values;
    const callers = dropped.find((v) => v.labels.kind === 'caller')?.value ?? 0;
    // 1,400 callers through a cap of 1,000: a tenth made room once the map was full, then again 100 callers later
    assert.ok(callers >= 400 && callers <= 500, `${callers} callers dropped`);
    const warned = logged.filter((l) => l.msg.startsWith('usage profiles full'));
    assert.equal(
      warned.reduce((n, l) => n + (l.kind === 'caller' ? (l.dropped ?? 0) : 0), 0),
      callers,
    );
    assert.ok(((await metrics.usageSubjects.get()).values[0]?.value ?? 0) > 1_000, 'the gauge counts every kind');
    await pipeline.stop();
  });
});
