import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RpcClient } from '../../src/ipc/rpc.js';

describe('RPC between the API process and its pipeline child', () => {
  it('an abortable call is stopped in the child when its signal aborts (before or after it is sent); plain calls get no signal', async (t) => {
    const child = fork(join(import.meta.dirname, '..', 'rig', 'rpc-child.ts'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    t.after(async () => {
      if (child.exitCode === null) {
        child.send({ type: 'stop' });
        await once(child, 'exit');
      }
    });
    await once(child, 'message'); // listening (as PipelineHost waits for the first health beat)
    const rpc = new RpcClient(child, () => {});
    assert.deepEqual(await rpc.call('work.args', 1, 'a'), [1, 'a']);
    assert.deepEqual(await rpc.callAbortable('work.args', undefined, 1), [1]);
    assert.deepEqual(await rpc.callAbortable('work.args', new AbortController().signal, 1), [1, 'signal']);

    const client = new AbortController();
    const running = rpc.callAbortable('work.untilAborted', client.signal, 'compare');
    await rpc.call('work.args'); // the child has the call
    client.abort();
    await assert.rejects(running, { code: 'COMPARE_ABORTED', message: 'compare stopped' });
    await assert.rejects(rpc.callAbortable('work.untilAborted', AbortSignal.abort(), 'gone already'), { code: 'COMPARE_ABORTED' });
  });
});
