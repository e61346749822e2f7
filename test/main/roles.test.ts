import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/** A local port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('sentinela start (src/main/roles.ts)', () => {
  for (const role of ['api', 'processor'] as const) {
    it(`--role ${role}: a start that fails once the server listens closes it and exits 1 with the cause's code, instead of staying up unready`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'sentinela-roles-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/rig/sentinela.ts', 'start', '--role', role], {
        env: {
          ...process.env,
          SENTINELA_DATA_DIR: dir,
          SENTINELA_HOST: '127.0.0.1',
          SENTINELA_PORT: String(await closedPort()),
          KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`, // the broker is down: the start cannot complete
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      // kafkajs gives up on an unreachable broker after some 15-20 s of retries; a process left listening never exits
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
      clearTimeout(timer);
      assert.equal(signal, null, `killed: still running after 120 s\n${out.slice(-2000)}`);
      assert.equal(code, 1, out.slice(-2000));
      assert.match(out, /start failed: closing what it opened/);
      assert.match(out, /sentinela start: KAFKA_UNAVAILABLE: cannot connect to Kafka/);
    });
  }

  it('an empty data directory with MIGRATE_ON_START=false exits 1 at once, saying to run `sentinela migrate`', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinela-roles-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/rig/sentinela.ts', 'start'], {
      env: { ...process.env, SENTINELA_DATA_DIR: dir, SENTINELA_HOST: '127.0.0.1', SENTINELA_PORT: '0', MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(timer);
    assert.equal(signal, null, `killed: still running after 120 s\n${out.slice(-2000)}`);
    assert.equal(code, 1, out.slice(-2000));
    assert.match(out, /sentinela start: STORE_QUERY_FAILED: .*does not exist.*run `sentinela migrate`, or start with MIGRATE_ON_START=true/);
  });
});
