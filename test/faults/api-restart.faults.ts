import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../processor/rig.js';
import type { ServerProcess } from '../rig/server.js';
import { report } from './figures.js';
import { startDeployment, steadyStream, type Deployment } from './deployment.js';

/**
 * An API replica restarted (SIGTERM, then started again on its port) under PBX load: block-checks keep flowing
 * to it and to a second replica while CDRs stream through the processor. README "Block-check": while stopped
 * the PBX cannot connect (its own fail policy applies); once started, until the block table is bootstrapped and
 * the blocks feed joined, /readyz answers 503 and block-checks carry the fail policy with `degraded: loading`;
 * then /readyz 200 and normal answers, known blocks enforced. The other replica answers normally throughout.
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('an API replica restarted under PBX load', () => {
  let d: Deployment;
  before(async () => {
    d = await startDeployment('apirestart');
  });
  after(() => d.stop());

  it('follows the fail policy and /readyz as documented, and the CDR stream loses nothing', async () => {
    const key = await d.apiKey();
    const port = await freePort();
    const processor = await d.start('processor');
    let a: ServerProcess = await d.start('api', { SENTINELA_PORT: String(port) });
    const b = await d.start('api');
    await waitFor(async () => (await processor.ready()) && (await a.ready()) && (await b.ready()), 'processor and two API replicas ready', 90_000);
    const stream = steadyStream(d.kafka, d.topics.cdrs, { perTick: 20, tickMs: 200, prefix: 'apirestart' });
    const blocked = '+551130000000';
    const check = async (url: string, caller = blocked) => {
      try {
        const res = await fetch(`${url}/v1/block-check?tenant=apirestart-t0&account=sales&caller=${encodeURIComponent(caller)}&callee=1130002000&ip=10.9.9.9`, {
          headers: key,
        });
        const body = (await res.json()) as { action?: string; policy?: string; degraded?: string };
        return `${res.status} ${body.action}/${body.policy}${body.degraded ? `/${body.degraded}` : ''}`;
      } catch {
        return 'connection refused';
      }
    };
    const aUrl = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await check(aUrl)).startsWith('200 block/normal') && (await check(b.url)).startsWith('200 block/normal'),
      'a block on both replicas',
      90_000,
    );

    // PBX load: checks to both replicas, and A's /readyz, until A is back and ready
    const seen = { a: new Map<string, number>(), b: new Map<string, number>(), readyz: new Map<string, number>() };
    const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    let phase: 'before' | 'stopped' | 'starting' | 'ready' = 'before';
    let load = true;
    const pbx = (async () => {
      while (load) {
        const [ra, rb] = await Promise.all([check(aUrl), check(b.url)]);
        count(seen.a, `${phase}: ${ra}`);
        count(seen.b, rb);
        const rz = await fetch(`${aUrl}/readyz`).then(
          (r) => String(r.status),
          () => 'refused',
        );
        count(seen.readyz, `${phase}: ${rz}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    phase = 'stopped';
    assert.equal(await a.stop('SIGTERM'), 0);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    phase = 'starting';
    a = await d.start('api', { SENTINELA_PORT: String(port) });
    await waitFor(() => a.ready(), 'the restarted replica ready', 90_000);
    phase = 'ready';
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    load = false;
    await pbx;
    await stream.stop();
    await waitFor(async () => (await d.committed()) === stream.sent.length, 'the processor caught up', 120_000);
    const f = await d.figures(stream.sent, stream.sent);
    const list = (m: Map<string, number>) => [...m].map(([k, n]) => `${n}× ${k}`).join(', ');
    report(
      'API replica restarted under PBX load',
      { ...f, acknowledged: await d.committed() },
      `replica A block-checks: ${list(seen.a)}; A /readyz: ${list(seen.readyz)}; replica B: ${list(seen.b)}`,
    );
    assert.deepEqual([...seen.b.keys()], ['200 block/normal'], 'the other replica answered normally throughout');
    for (const [k] of seen.a) {
      if (k.startsWith('before') || k.startsWith('ready')) assert.match(k, /: 200 block\/normal$/, 'normal answers when ready');
      if (k.startsWith('starting') && k.includes('200'))
        assert.match(k, /200 (block\/normal|(allow|block)\/fail-open\/loading)$/, 'the fail policy while loading');
    }
    for (const [k] of seen.readyz) if (k.startsWith('ready')) assert.match(k, /: 200$/);
    assert.ok(
      [...seen.a.keys()].some((k) => k.startsWith('stopped: connection refused')),
      'the PBX met a stopped replica',
    );
  });
});
