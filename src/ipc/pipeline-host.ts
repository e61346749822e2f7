import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ApiStore, CdrIngest, VerdictFeed } from '../api/ports.js';
import type { PipelineHealth } from '../pipeline/lifecycle.js';
import type { SecurityStore } from '../security/ports.js';
import { RpcClient } from './rpc.js';

const here = fileURLToPath(import.meta.url);
/** The child's entry next to this file: .ts when running from source (tsx), .js when built. */
const CHILD = join(dirname(here), '..', 'main', `pipeline-child${here.endsWith('.ts') ? '.ts' : '.js'}`);
const SILENT_AFTER_MS = 3_000;
const PIPELINE_NICE = 10;

/**
 * The API process's handle on its pipeline child: health beats, RPC for the store and the HTTP ingest (the
 * embedded mode keeps chDB in the child: one process may open a chDB directory), and the verdicts the child's
 * pipeline persisted, re-emitted here as a VerdictFeed (`blocks`, `critical`).
 */
export class PipelineHost extends EventEmitter implements VerdictFeed {
  private last: PipelineHealth = { ready: false, degraded: false, reason: 'pipeline starting' };
  private lastAt = performance.now();
  private readonly rpc: RpcClient;
  private stopping = false;

  private constructor(
    private readonly child: ChildProcess,
    log: Logger,
  ) {
    super();
    this.rpc = new RpcClient(child, (name, value) => {
      if (name === 'health') {
        const wasReady = this.last.ready;
        this.last = value as PipelineHealth;
        this.lastAt = performance.now();
        if (this.last.ready && !wasReady) this.emit('ready');
      } else this.emit(name, value);
    });
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      // without its pipeline this process cannot do its job: exit so the supervisor restarts both
      log.fatal({ code, signal }, 'pipeline process died');
      process.exit(1);
    });
  }

  static async start(mode: 'kafka' | 'embedded', log: Logger): Promise<PipelineHost> {
    const child = fork(CHILD, [mode], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // throughput work yields the CPU to latency work: on a busy machine block-checks are served first
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, PIPELINE_NICE);
      } catch (err) {
        log.warn({ err }, 'could not lower the pipeline process priority');
      }
    }
    const host = new PipelineHost(child, log);
    const [first] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [undefined])])) as [unknown];
    if (first === undefined) throw new Error('pipeline process exited while starting; see its log above');
    return host;
  }

  /** Resolves once the pipeline has been ready (its rule state rebuilt) at least once. */
  async ready(): Promise<void> {
    if (!this.last.ready) await once(this, 'ready');
  }

  health(): PipelineHealth {
    if (performance.now() - this.lastAt > SILENT_AFTER_MS) return { ready: false, degraded: true, reason: 'pipeline process silent' };
    return this.last;
  }

  get store(): ApiStore {
    return this.rpc.proxy<ApiStore>('store');
  }

  get securityStore(): SecurityStore {
    return this.rpc.proxy<SecurityStore>('security');
  }

  get ingest(): CdrIngest {
    return { ingest: (body, format, tenant) => this.rpc.call('ingest.ingest', body, format, tenant) };
  }

  metricsText(): Promise<string> {
    return this.rpc.call<string>('metrics.text');
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}
