import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../rig/server.js';

/** The nice value of every thread of a process (Linux keeps one per thread), from /proc. */
function threadNice(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      // the fields after "(comm) " (a name may hold ") "): state is field 3, nice field 19
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

describe('embedded mode: the pipeline child yields the CPU to block-checks', () => {
  it('every thread of the pipeline child runs niced (V8, libuv and chDB pools too), the API process does not', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinela-nice-'));
    const server = await startServer([], { SENTINELA_DATA_DIR: dir, MIGRATE_ON_START: 'true' });
    t.after(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    });
    const started = await server.waitLog(/^pipeline process started$/);
    const child = Number(started['pid']);
    const deadline = Date.now() + 60_000;
    while (!(await server.ready()) && Date.now() < deadline) await sleep(200);
    // the server inherits this process's nice value; the child is set to 10 (or left lower if the run was niced more)
    const own = getPriority();
    const lowered = Math.max(own, 10);
    let nice = threadNice(child);
    // niced once ready (the first rule-state rebuild runs at full priority)
    while (nice.some((n) => n !== lowered) && Date.now() < deadline) {
      await sleep(200);
      nice = threadNice(child);
    }
    assert.ok(nice.length > 4, `the child runs threads besides its main one: ${nice.length}`);
    assert.deepEqual(
      nice.filter((n) => n !== lowered),
      [],
      `nice of the child's ${nice.length} threads`,
    );
    assert.deepEqual(
      threadNice(server.child.pid as number).filter((n) => n !== own),
      [],
      'the API process answers block-checks at normal priority',
    );
  });
});
