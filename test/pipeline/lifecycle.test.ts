import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lifecycle, type PipelineState } from '../../src/pipeline/lifecycle.js';

describe('pipeline lifecycle (explicit states)', () => {
  it('goes starting → rebuilding → running ⇄ degraded → stopping → stopped, and reports each as health', () => {
    const seen: string[] = [];
    const l = new Lifecycle((s, from) => seen.push(`${from.name}>${s.name}`));
    assert.deepEqual(l.health(), { ready: false, degraded: false, reason: 'not started yet' });
    l.to({ name: 'rebuilding' });
    l.to({ name: 'running' });
    assert.deepEqual(l.health(), { ready: true, degraded: false, reason: 'ok' });
    l.to({ name: 'degraded', error: 'STORE_UNAVAILABLE: down', rebuildPending: false });
    assert.deepEqual(l.health(), { ready: false, degraded: true, reason: 'degraded: STORE_UNAVAILABLE: down' });
    l.to({ name: 'running' });
    l.to({ name: 'stopping' });
    l.to({ name: 'stopped' });
    assert.deepEqual(seen, ['starting>rebuilding', 'rebuilding>running', 'running>degraded', 'degraded>running', 'running>stopping', 'stopping>stopped']);
  });

  it('refuses a move the diagram does not allow', () => {
    const l = new Lifecycle();
    l.to({ name: 'rebuilding' });
    assert.throws(() => l.to({ name: 'stopped' }), /rebuilding cannot become stopped/);
  });

  it('once stopping, ignores everything but stopped (a late failure or rebuild cannot revive it)', () => {
    const l = new Lifecycle();
    l.to({ name: 'running' });
    l.to({ name: 'stopping' });
    const late: PipelineState[] = [{ name: 'running' }, { name: 'degraded', error: 'x', rebuildPending: true }, { name: 'rebuilding' }];
    for (const s of late) assert.equal(l.to(s), false);
    assert.equal(l.state.name, 'stopping');
    assert.equal(l.to({ name: 'stopped' }), true);
  });
});
