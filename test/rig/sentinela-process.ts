// The real `sentinela start` in embedded mode as a child process (API + pipeline child on chDB), for tests that
// need a Sentinela a PBX can reach over the network, stop, or freeze (SIGSTOP).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from '../processor/rig.js';

const CLI = ['--import', 'tsx', 'test/rig/sentinela.ts'];

/** Issues a PBX API key with `sentinela apikey add` (chDB is opened by one process at a time: before start). */
export function issueApiKey(env: Record<string, string>, tenant: string, name: string): string {
  const run = spawnSync(process.execPath, [...CLI, 'apikey', 'add', '--tenant', tenant, '--name', name], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const key = /snk_\S+/.exec(run.stdout)?.[0];
  if (run.status !== 0 || key === undefined) throw new Error(`sentinela apikey add failed (${run.status}): ${run.stdout}${run.stderr}`);
  return key;
}

/** Adds a management user with `sentinela user add --password-stdin` (before start, like issueApiKey). */
export function addUser(env: Record<string, string>, o: { name: string; role: string; fullName: string; password: string }): void {
  const run = spawnSync(process.execPath, [...CLI, 'user', 'add', '--name', o.name, '--role', o.role, '--full-name', o.fullName, '--password-stdin'], {
    env: { ...process.env, ...env },
    input: `${o.password}\n`,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`sentinela user add failed (${run.status}): ${run.stdout}${run.stderr}`);
}

export interface SentinelaProcess {
  readonly url: string;
  readonly pid: number;
  /** Sum of the samples of one metric (all label sets) from /metrics. */
  metric(name: string, labels?: string): Promise<number>;
  /** SIGSTOP / SIGCONT: a hung server (the kernel still accepts connections; nothing answers). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  output(): string;
}

/** Starts `sentinela start` (embedded) and waits until /readyz answers 200. */
export async function startSentinela(env: Record<string, string> & { SENTINELA_PORT: string }): Promise<SentinelaProcess> {
  const url = `http://127.0.0.1:${env.SENTINELA_PORT}`;
  const child: ChildProcess = spawn(process.execPath, [...CLI, 'start'], {
    env: { ...process.env, LOG_LEVEL: 'warn', SENTINELA_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => void (out = (out + c.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  const ready = async () => {
    if (exited) throw new Error(`sentinela start exited: ${out}`);
    return fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
  };
  await waitFor(ready, `sentinela at ${url} ready`, 180_000);
  return {
    url,
    pid: child.pid ?? -1,
    async metric(name, labels = '') {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith(`${name}${labels}`) && (labels !== '' || l.startsWith(`${name} `) || l.startsWith(`${name}{`)))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async stop() {
      if (exited) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
    output: () => out,
  };
}
