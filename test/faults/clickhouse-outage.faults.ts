import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../processor/rig.js';
import { report } from './figures.js';
import { startDeployment, steadyStream, type Deployment } from './deployment.js';

/**
 * ClickHouse unreachable for 60 s under a steady stream: the TCP path from every Sentinela process to ClickHouse
 * is cut (connections reset, new ones refused), then restored. The processor pauses and retries its batch, the
 * API replica answers block-checks from memory throughout, and once ClickHouse is back the backlog drains: nothing
 * lost, nothing stored twice.
 */
const OUTAGE_MS = 60_000;

describe('ClickHouse unreachable for 60 s', () => {
  let d: Deployment;
  before(async () => {
    d = await startDeployment('chdown');
  });
  after(() => d.stop());

  it('loses nothing, doubles nothing, drains the backlog, and block-check answers from memory throughout', async () => {
    const key = await d.apiKey();
    const processor = await d.start('processor');
    const api = await d.start('api');
    await waitFor(async () => (await processor.ready()) && (await api.ready()), 'processor and API ready', 90_000);
    const stream = steadyStream(d.kafka, d.topics.cdrs, { perTick: 20, tickMs: 200, prefix: 'chdown' });
    // a caller the velocity rule blocks before the outage (calls every 13 × 200 ms of event time)
    const blocked = '+551130000000';
    const check = async (caller: string) => {
      const res = await fetch(`${api.url}/v1/block-check?tenant=chdown-t0&account=sales&caller=${encodeURIComponent(caller)}&callee=1130002000&ip=10.9.9.9`, {
        headers: key,
      });
      return { status: res.status, body: (await res.json()) as { action?: string; policy?: string } };
    };
    await waitFor(async () => (await check(blocked)).body.action === 'block', 'a block from the stream reached the API', 90_000);

    await d.proxy.cut();
    const cutAt = Date.now();
    const checks = { answered: 0, blocked: 0, other: 0 };
    let processorNotReady = false;
    while (Date.now() - cutAt < OUTAGE_MS) {
      const answer = await check(blocked);
      if (answer.status === 200 && answer.body.action === 'block') checks.blocked++;
      else checks.other++;
      checks.answered++;
      if (!(await processor.ready())) processorNotReady = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const backlog = stream.sent.length - (await d.committed());
    await d.proxy.restore();
    const restoredAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await stream.stop();
    await waitFor(async () => (await d.committed()) === stream.sent.length, 'the backlog drained (every offset committed)', 180_000);
    const drainedS = ((Date.now() - restoredAt) / 1000).toFixed(1);
    const f = await d.figures(stream.sent, stream.sent);
    report(
      'ClickHouse unreachable 60 s',
      { ...f, acknowledged: await d.committed() },
      `backlog at restore ${backlog} CDRs, drained ${drainedS} s after; block-checks during the outage ${checks.answered}, answered "block" from memory ${checks.blocked}; processor /readyz 503 during the outage: ${processorNotReady}`,
    );
    assert.equal(checks.other, 0, 'every block-check during the outage answered from memory');
    assert.ok(processorNotReady, 'the processor said it was not ready while ClickHouse was unreachable');
    assert.ok(backlog > 0, 'CDRs waited while ClickHouse was unreachable');
  });
});
