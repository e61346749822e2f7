import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * A real `sentinela start` process (from source, through test/rig/sentinela.ts) for tests that kill, restart or
 * cut things: its HTTP port, its pino log lines, its metrics and readiness.
 */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Parsed pino lines of its stdout so far. */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the first log line (past or future) whose `msg` matches. */
  waitLog(msg: RegExp, timeoutMs?: number, from?: number): Promise<Record<string, unknown>>;
  /** Sum of the samples of a metric whose line starts with `name` (labels included in `name` narrow it). */
  metric(name: string): Promise<number>;
  ready(): Promise<boolean>;
  /** Sends `signal` (after SIGCONT, should it be paused; SIGKILL after 30 s) and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGSTOP / SIGCONT: a hung server (the kernel still accepts connections; nothing answers). */
  pause(): void;
  resume(): void;
}

export async function startServer(args: readonly string[], env: Record<string, string>, o: { startTimeoutMs?: number } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/rig/sentinela.ts', 'start', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', SENTINELA_PORT: '0', SENTINELA_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8_000);
    if (process.env['TEST_SERVER_STDERR']) process.stderr.write(c);
  });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ msg: line });
    }
    for (const w of waiters) w();
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const waitLog = (msg: RegExp, timeoutMs = 60_000, from = 0) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = logs.slice(from).find((l) => msg.test(String(l['msg'])));
        if (!hit) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no log line ${msg} within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
      void exited.then(([code]) => {
        if (waiters.delete(check)) {
          clearTimeout(timer);
          reject(new Error(`sentinela start exited with ${code} before logging ${msg}: ${stderr}`));
        }
      });
    });
  const listening = await waitLog(/listening at http:\/\/127\.0\.0\.1:\d+/, o.startTimeoutMs ?? 90_000);
  const port = Number(/:(\d+)$/.exec(String(listening['msg']))?.[1]);
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    port,
    url,
    logs,
    waitLog,
    metric: async (name) => {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
      // `name` alone: every label set of that metric (not of another whose name it begins)
      const next = (l: string) => l.charAt(name.length);
      return text
        .split('\n')
        .filter((l) => l.startsWith(name) && (name.includes('{') || next(l) === ' ' || next(l) === '{'))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    },
    ready: async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGCONT');
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
  };
}

/** Issues a PBX API key (every tenant by default) with the real CLI in its own process (chDB binds a directory to one process). */
export async function issueApiKey(env: Record<string, string>, o: { tenant?: string; name?: string } = {}): Promise<{ key: string; authorization: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/rig/sentinela.ts', 'apikey', 'add', '--tenant', o.tenant ?? '*', '--name', o.name ?? 'test-pbx'],
    { env: { ...process.env, LOG_LEVEL: 'silent', ...env } },
  );
  const key = stdout.trim().split('\n').pop() ?? '';
  if (!key.startsWith('snk_')) throw new Error(`apikey add printed no key: ${stdout}`);
  return { key, authorization: `Bearer ${key}` };
}

/** Adds a management user with `sentinela user add --password-stdin` (before start, like issueApiKey). */
export async function addUser(env: Record<string, string>, o: { name: string; role: string; fullName: string; password: string }): Promise<void> {
  const run = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/rig/sentinela.ts', 'user', 'add', '--name', o.name, '--role', o.role, '--full-name', o.fullName, '--password-stdin'],
    { env: { ...process.env, LOG_LEVEL: 'silent', ...env } },
  );
  run.child.stdin?.end(`${o.password}\n`);
  await run;
}
