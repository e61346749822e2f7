import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { Counter, Registry } from 'prom-client';
import type { ApiStore, CdrIngest, RuleComparer, VerdictFeed } from '../api/ports.js';
import { SentinelaError } from '../errors.js';
import type { PipelineHealth } from '../pipeline/lifecycle.js';
import { retry, type Backoff } from '../retry.js';
import type { SecurityStore } from '../security/ports.js';
import type { HotlistStore } from '../lists/ports.js';
import { RpcClient } from './rpc.js';
import { readBulk } from './bulk-file.js';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import { ruleTexts } from './rule-texts.js';

const here = fileURLToPath(import.meta.url);
/** The child's entry next to this file: .ts when running from source (tsx), .js when built. */
const CHILD = join(dirname(here), '..', 'main', `pipeline-child${here.endsWith('.ts') ? '.ts' : '.js'}`);
const SILENT_AFTER_MS = 3_000;
const PIPELINE_NICE = 10;
/** A child that has said nothing this long after its fork is taken as hung (loading chDB and the rules takes seconds). */
const START_TIMEOUT_MS = 120_000;
/** A child that dies before it is ready again is restarted after 0.5 s, 1 s, 2 s … 30 s. */
export const RESTART_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/**
 * The API process's handle on its pipeline child: health beats, RPC for the store and the HTTP ingest (the
 * embedded mode keeps chDB in the child: one process may open a chDB directory), and the verdicts the child's
 * pipeline persisted, re-emitted here as a VerdictFeed (`blocks`, `critical`).
 *
 * A child that dies is started again (backoff while it keeps dying before it is ready) while this process keeps
 * serving: block-checks answer from the block table in memory, /readyz says why it is not ready, and POST /v1/cdrs
 * answers 503 INGEST_UNAVAILABLE (retryable) until the new child is ready. A body is acknowledged only once
 * persisted, so a death mid-body loses nothing acknowledged; sent again, its stored records come back as duplicates.
 */
export class PipelineHost extends EventEmitter implements VerdictFeed {
  private last: PipelineHealth = { ready: false, degraded: false, reason: 'pipeline starting' };
  private lastAt = performance.now();
  private child: ChildProcess;
  private rpc: RpcClient;
  private stopping = false;
  private restarting = false;
  private restartCount = 0;
  private readonly stopped = new AbortController();
  private readonly registry = new Registry();
  private readonly restarts = new Counter({
    name: 'sentinela_pipeline_restarts_total',
    help: 'Pipeline child processes started again after one died',
    registers: [this.registry],
  });

  private constructor(
    private readonly mode: 'kafka' | 'embedded',
    private readonly log: Logger,
    private readonly backoff: Backoff,
    child: ChildProcess,
    /** The rules in force: every child starts with them, a restarted one too (the directory may hold a refused edit). */
    private rules: RuleFiles,
  ) {
    super();
    this.child = child;
    this.rpc = this.attach(child);
  }

  static async start(mode: 'kafka' | 'embedded', log: Logger, rules: RuleFiles, backoff: Backoff = RESTART_BACKOFF): Promise<PipelineHost> {
    const child = await PipelineHost.spawn(mode, log, rules, false);
    const host = new PipelineHost(mode, log, backoff, child, rules);
    // the first rule state rebuild is on the way to /readyz (issue 19), with no block-check to make way for yet:
    // niced once ready (a restarted child is niced at once, the API serving meanwhile)
    host.once('ready', () => lowerPriority(host.child, log));
    return host;
  }

  /** Forks a child and resolves once it has said something (its first health beat); rejects if it exits first. */
  private static async spawn(mode: 'kafka' | 'embedded', log: Logger, rules: RuleFiles, niced = true): Promise<ChildProcess> {
    // a larger young generation: the engine allocates ~6 KB per CDR, nearly all short-lived; 64 MB semi-spaces cut
    // scavenge time by more than half and process CPU by ~7 % (issue 19; a launch flag, v8.setFlagsFromString is too late)
    const execArgv = [...process.execArgv, '--max-semi-space-size=64'];
    const child = fork(CHILD, [mode], { execArgv, serialization: 'advanced', stdio: ['pipe', 'inherit', 'inherit', 'ipc'] });
    // its rules on stdin, as this process validated them (a child that dies first breaks the pipe: its exit says so)
    child.stdin?.on('error', () => {});
    child.stdin?.end(JSON.stringify(ruleTexts(rules)));
    if (niced) lowerPriority(child, log);
    // a child that hangs while starting (a stalled chDB open) is killed, so the restart loop backs off and tries again
    const hung = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
    const [first] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [undefined])]).finally(() => clearTimeout(hung))) as [unknown];
    if (first === undefined) throw new SentinelaError('INGEST_UNAVAILABLE', 'pipeline process exited (or hung) while starting; see its log above');
    log.info({ pid: child.pid, mode }, 'pipeline process started');
    return child;
  }

  private attach(child: ChildProcess): RpcClient {
    const rpc = new RpcClient(
      child,
      (name, value) => {
        if (name === 'health') {
          const wasReady = this.last.ready;
          this.last = value as PipelineHealth;
          this.lastAt = performance.now();
          if (this.last.ready && !wasReady) this.emit('ready');
        } else this.emit(name, value);
      },
      (method, why) =>
        method.startsWith('ingest.')
          ? new SentinelaError(
              'INGEST_UNAVAILABLE',
              `the pipeline process ${why}; it is being restarted: send the body again (records already taken come back as duplicates)`,
            )
          : new SentinelaError('STORE_UNAVAILABLE', `the pipeline process ${why}; it is being restarted`),
    );
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.last = { ready: false, degraded: true, reason: 'pipeline process restarting' };
      this.log.error({ code, signal, pid: child.pid }, 'pipeline process died; starting a new one (the API keeps serving)');
      if (!this.restarting) void this.restart(); // else the running restart loop sees the death and backs off
    });
    return rpc;
  }

  /** Starts children until one is ready, backing off while they die first; the API process never exits for it. */
  private async restart(): Promise<void> {
    this.restarting = true;
    try {
      await retry(
        async () => {
          const child = await PipelineHost.spawn(this.mode, this.log, this.rules);
          if (this.stopping) {
            child.kill('SIGKILL');
            return;
          }
          this.child = child;
          this.rpc = this.attach(child);
          this.restarts.inc();
          this.restartCount += 1;
          // dying again before it is ready counts as a failed attempt: the next one waits longer
          const died = once(child, 'exit').then(() => {
            throw new SentinelaError('INGEST_UNAVAILABLE', 'the restarted pipeline process died before it was ready');
          });
          await Promise.race([this.ready(), died]);
          died.catch(() => undefined);
          this.log.info({ pid: child.pid, restarts: this.restartCount }, 'pipeline process ready again');
        },
        {
          backoff: this.backoff,
          signal: this.stopped.signal,
          onRetry: (err, attempt) => this.log.warn({ err: err.message, attempt }, 'pipeline process restart failed; backing off'),
        },
      );
    } catch (err) {
      if (!this.stopping) this.log.error({ err }, 'pipeline process restart loop ended');
    } finally {
      this.restarting = false;
    }
  }

  /** Resolves once the pipeline has been ready (its rule state rebuilt) at least once. */
  async ready(): Promise<void> {
    if (!this.last.ready) await once(this, 'ready');
  }

  health(): PipelineHealth {
    if (!this.restarting && performance.now() - this.lastAt > SILENT_AFTER_MS) return { ready: false, degraded: true, reason: 'pipeline process silent' };
    return this.last;
  }

  get store(): ApiStore {
    // the bootstrap's bytes come through a file (bulk-file.ts)
    return this.proxy<ApiStore>('store', { activeBlocks: async (now) => readBulk(await this.rpc.call<string>('bulk.activeBlocks', now)) });
  }

  get securityStore(): SecurityStore {
    return this.proxy<SecurityStore>('security');
  }

  get hotlistStore(): HotlistStore {
    return this.proxy<HotlistStore>('hotlists');
  }

  get ingest(): CdrIngest {
    return { ingest: (body, format, tenant) => this.rpc.call('ingest.ingest', body, format, tenant) };
  }

  /**
   * Hot reload: the child rebuilds its rule state with exactly the files this process validated (their texts and
   * digest: a file saved again meanwhile is the next reload's, never half of this one).
   */
  async reloadRules(next: RuleFiles): Promise<void> {
    const { sources, digest } = ruleTexts(next);
    await this.rpc.call('rules.reload', sources, digest);
    this.rules = next;
  }

  /** POST /v1/rules/compare: the child replays the stored CDRs (it owns chDB, and its CPU is niced); stopped when the client goes away. */
  get comparer(): RuleComparer {
    return { compare: (request, inForce, signal) => this.rpc.callAbortable('compare.compare', signal, request, inForce) };
  }

  /** This process's restart counter, then the child's metrics (when it is up). */
  async metricsText(): Promise<string> {
    const own = await this.registry.metrics();
    const child = await this.rpc.call<string>('metrics.text').catch(() => '');
    return child ? `${own}\n${child}` : own;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopped.abort(new SentinelaError('INGEST_UNAVAILABLE', 'stopping'));
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    // the channel may already be closing: a send error must not become an unhandled 'error' event while stopping
    child.send({ type: 'stop' }, (err) => err && child.kill('SIGKILL'));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  /** Calls go to whichever child is current when they are made; `own` methods are this process's. */
  private proxy<T extends object>(prefix: string, own: Partial<T> = {}): T {
    return new Proxy({} as T, {
      get: (_t, name) =>
        name in own ? own[name as keyof T] : typeof name === 'string' ? (...args: unknown[]) => this.rpc.call(`${prefix}.${name}`, ...args) : undefined,
    });
  }
}

/**
 * Throughput work yields the CPU to latency work: on a busy machine block-checks are served first. Linux keeps a
 * nice value per thread, and setpriority(pid) sets the main thread's alone: the child's other threads (V8's GC
 * and compilers, libuv's pool, chDB's pools: half its CPU, issue 19) are reniced one by one; threads they start
 * later inherit it. Elsewhere (no /proc) the process's.
 */
function lowerPriority(child: ChildProcess, log: Logger): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  let threads: number[];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    threads = [pid];
  }
  for (const tid of threads) {
    try {
      setPriority(tid, Math.max(getPriority(tid), PIPELINE_NICE)); // never raised: a deployment may run it niced more
    } catch (err) {
      // a thread that ended meanwhile is gone (ESRCH); anything else is worth a word
      if ((err as { info?: { code?: string } }).info?.code !== 'ESRCH') log.warn({ err, tid }, 'could not lower the pipeline process priority');
    }
  }
}
