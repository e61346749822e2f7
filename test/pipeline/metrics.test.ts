import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/log.js';
import { createPipelineMetrics, EngineReporter } from '../../src/pipeline/metrics.js';
import { harness } from '../domain/engine/harness.js';

const T0 = Date.parse('2026-04-16T10:00:00-03:00');

/** An engine with a cap of 40 profiles a kind that has seen `callers` callers from as many addresses. */
function capped(callers: number) {
  const h = harness({ only: ['velocity-ip'], maxUsageSubjects: 40 });
  for (let i = 0; i < callers; i++)
    h.process(h.call(new Date(T0 + i * 1_000).toISOString(), { caller: `+55113${String(1_000_000 + i)}`, srcIp: `10.0.${i >> 8}.${i & 255}` }));
  return h.engine;
}

describe('EngineReporter', () => {
  it('counts new rule work and dropped profiles once; a rebuilt engine: its rule counts are warm-up, its drops a loss', async () => {
    const metrics = createPipelineMetrics(new Registry(), false);
    const out = new PassThrough();
    const warned: number[] = [];
    out.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().trim().split('\n')) {
        const entry = JSON.parse(line) as { kind?: string; dropped?: number };
        if (entry.kind === 'caller') warned.push(entry.dropped ?? 0);
      }
    });
    const reporter = new EngineReporter(metrics, createLogger('info', out));
    const value = async (counter: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> }, labels: Record<string, string>) =>
      (await counter.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;

    const first = capped(100);
    reporter.report(first);
    reporter.report(first); // nothing new
    const dropped = first.usageSubjects.dropped.caller;
    assert.ok(dropped >= 60, `${dropped} callers dropped`);
    assert.equal(await value(metrics.usageDropped, { kind: 'caller' }), dropped);
    assert.equal(await value(metrics.ruleEvaluations, { rule: 'velocity-ip' }), 100);

    const rebuilt = capped(70); // replayed over the cap: a fresh engine's count starts again from 0
    reporter.baseline(rebuilt);
    const more = rebuilt.usageSubjects.dropped.caller;
    assert.ok(more > 0);
    assert.equal(await value(metrics.usageDropped, { kind: 'caller' }), dropped + more);
    assert.equal(await value(metrics.ruleEvaluations, { rule: 'velocity-ip' }), 100, 'the replay is warm-up, not new work');
    assert.equal(await value(metrics.usageSubjects, {}), rebuilt.usageSubjects.held);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warned, [dropped, more]);
  });
});
