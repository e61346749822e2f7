import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../processor/rig.js';
import { report } from './figures.js';
import { startDeployment, steadyStream, type Deployment } from './deployment.js';

/**
 * kill -9 of the processor at five random points of a stream (generalises test/processor/hard-kill.test.ts, on
 * the same rig: real `sentinela start` processes). Each time a new processor starts, rebuilds its state from
 * ClickHouse and resumes from the last committed offsets; Kafka re-delivers what was not committed.
 */
const KILLS = 5;
const SEED = Number(process.env['FAULTS_SEED'] ?? Date.now() % 100_000);

describe('kill -9 of the processor, five times', () => {
  let d: Deployment;
  before(async () => {
    d = await startDeployment('kill5');
  });
  after(() => d.stop());

  it('loses nothing and stores nothing twice', async () => {
    // a small deterministic generator: the kill points are random but the run can be repeated with FAULTS_SEED
    let state = SEED;
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const stream = steadyStream(d.kafka, d.topics.cdrs, { perTick: 25, tickMs: 100, prefix: 'kill5' });
    const points: string[] = [];
    let redelivered = 0;
    for (let k = 0; k < KILLS; k++) {
      const processor = await d.start('processor');
      await waitFor(() => processor.ready(), 'processor ready', 90_000);
      const before = await processor.metric('sentinela_cdrs_total');
      const wait = 1_000 + Math.floor(random() * 5_000);
      await new Promise((resolve) => setTimeout(resolve, wait));
      const processed = await processor.metric('sentinela_cdrs_total');
      redelivered += await processor.metric('sentinela_cdrs_total{status="duplicate"}');
      points.push(`${(wait / 1000).toFixed(1)} s after ready (${processed - before} CDRs in)`);
      await processor.stop('SIGKILL');
    }
    await stream.stop();
    const last = await d.start('processor');
    await waitFor(async () => (await d.committed()) === stream.sent.length, 'the last processor caught up', 180_000);
    redelivered += await last.metric('sentinela_cdrs_total{status="duplicate"}');
    assert.equal(await last.stop('SIGTERM'), 0, 'a polite stop exits 0');
    const f = await d.figures(stream.sent, stream.sent);
    report(
      'kill -9 of the processor ×5',
      { ...f, acknowledged: await d.committed() },
      `seed ${SEED}; kills at ${points.join(', ')}; ${redelivered} re-delivered CDRs recognised as duplicates`,
    );
  });
});
