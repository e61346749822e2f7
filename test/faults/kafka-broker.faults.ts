import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../processor/rig.js';
import { report } from './figures.js';
import { startDeployment, steadyStream, type Deployment } from './deployment.js';

/**
 * The Kafka broker stopped and restarted under a steady stream (the mock cluster's broker set down: connections
 * closed, new ones refused; then up). The exporter retries its sends, the processor and the API replica reconnect
 * by themselves; block-check keeps answering (its fail policy once the blocks feed is stale, README "Block-check").
 */
const DOWN_MS = 20_000;

describe('Kafka broker stopped and restarted', () => {
  let d: Deployment;
  before(async () => {
    d = await startDeployment('brokerdown');
  });
  after(() => d.stop());

  it('loses nothing, doubles nothing, and everyone reconnects', async () => {
    const key = await d.apiKey();
    const processor = await d.start('processor');
    const api = await d.start('api');
    await waitFor(async () => (await processor.ready()) && (await api.ready()), 'processor and API ready', 90_000);
    const stream = steadyStream(d.kafka, d.topics.cdrs, { perTick: 20, tickMs: 200, prefix: 'brokerdown' });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await d.kafka.broker('down');
    const downAt = Date.now();
    const answers = new Map<string, number>();
    while (Date.now() - downAt < DOWN_MS) {
      const res = await fetch(`${api.url}/v1/block-check?tenant=brokerdown-t0&account=sales&caller=1130009999&callee=1130002000&ip=10.9.9.9`, { headers: key });
      const body = (await res.json()) as { action?: string; policy?: string; degraded?: string };
      const what = `${res.status} ${body.action}/${body.policy}${body.degraded ? `/${body.degraded}` : ''}`;
      answers.set(what, (answers.get(what) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await d.kafka.broker('up');
    const upAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await stream.stop();
    await waitFor(async () => (await d.committed().catch(() => -1)) === stream.sent.length, 'the processor caught up', 180_000);
    const caughtUpS = ((Date.now() - upAt) / 1000).toFixed(1);
    await waitFor(() => api.ready(), 'the API replica ready again', 60_000);
    const f = await d.figures(stream.sent, stream.sent);
    report(
      `Kafka broker down ${DOWN_MS / 1000} s`,
      { ...f, acknowledged: await d.committed() },
      `exporter: longest send ${(stream.longestSendMs() / 1000).toFixed(1)} s, failed sends retried ${stream.failures()}; caught up ${caughtUpS} s after the broker came back; block-checks while down: ${[...answers].map(([k, n]) => `${n}× ${k}`).join(', ')}`,
    );
    assert.ok(stream.failures() > 0 || stream.longestSendMs() > DOWN_MS / 2, 'the broker really was down for the exporter');
    assert.ok(
      [...answers.keys()].every((k) => k.startsWith('200 ')),
      'block-check answered throughout',
    );
  });
});
