import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import type { AttemptCounter } from '../api/ports.js';
import { engineConfig, type EngineConfig } from '../config/config.js';
import type { Cdr } from '../domain/cdr/contract.js';
import type { Verdict } from '../domain/engine/verdicts.js';
import { retry, type Backoff } from '../retry.js';
import { SentinelaError } from '../errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

const here = fileURLToPath(import.meta.url);
const FROM_SOURCE = here.endsWith('.ts');
/** The worker's entry next to this file: .ts when running from source (tsx registers itself in the worker), .js when built. */
const ENTRY = join(dirname(here), '..', 'main', `attempt-worker${FROM_SOURCE ? '.ts' : '.js'}`);
/** Attempts handed over and not counted yet beyond which new ones are not counted (a stuck thread must not grow memory). */
const MAX_PENDING = 50_000;
/**
 * Attempts are handed over every 2 ms (or 512 at once): a message costs the answering thread some 15 µs (clone and
 * waking the worker) whatever it holds, one per check at a few thousand checks a second; the block of a crossing
 * attempt lands 2 ms later.
 */
const FLUSH_MS = 2;
const FLUSH_AT = 512;
/** A thread that dies before it is ready is started again after 0.5 s, 1 s, 2 s … 30 s. */
const RESTART_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** To the worker: attempts in the order they were answered, with the `now` of each; or the rules a reload put in force. */
export type ToAttemptWorker =
  { readonly type: 'attempts'; readonly cdrs: readonly Cdr[]; readonly nows: readonly number[] } | { readonly type: 'rules'; readonly ruleFiles: RuleFiles };
/** From the worker: how many attempts a batch held, the verdicts they caused (with their attempt's `now`), failures. */
export type FromAttemptWorker =
  | { readonly type: 'ready' }
  | {
      readonly type: 'counted';
      readonly n: number;
      readonly verdicts: readonly { readonly now: number; readonly verdicts: readonly Verdict[] }[];
      readonly failed?: { readonly count: number; readonly message: string };
    }
  | { readonly type: 'rules-failed'; readonly message: string };
export interface AttemptWorkerData {
  readonly config: EngineConfig;
  readonly ruleFiles: RuleFiles;
}

export interface AttemptThreadOptions {
  /** The thread is handed a copy of the settings its engine reads (`engineConfig`), not of the whole configuration. */
  readonly config: EngineConfig;
  readonly ruleFiles: RuleFiles;
  readonly log: Logger;
  /** The verdicts of counted attempts, on this thread, in the order counted. */
  readonly deliver: (verdicts: readonly Verdict[], now: number) => void;
}

/**
 * The attempt rules' engine on a thread of its own (issue 19): a block-check is answered from the block table and
 * the attempt handed over in a batch every few milliseconds, so counting it (numbers, usage profiles, windows: most of
 * a check's CPU) no longer sits between the PBX and its answer. Started with the server (or at the first attempt);
 * a thread that dies is started again, and the attempts it held are reported as uncounted (logged and in the
 * metrics, never silent).
 */
export class AttemptThread implements AttemptCounter {
  private worker: Worker | undefined;
  private cdrs: Cdr[] = [];
  private nows: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Handed to the worker and not reported counted yet. */
  private pending = 0;
  /** Attempts taken since the start, and of them those counted or given up (uncounted): `settled()` compares them. */
  private handed = 0;
  private done = 0;
  private waiters: { readonly target: number; readonly resolve: () => void }[] = [];
  private starting: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private closed = false;
  private ruleFiles: RuleFiles;
  /** A worker that dies soon after it was ready waits longer each time before the next start (0.5 s … 30 s). */
  private restartDelayMs = 0;
  private readyAt = 0;
  /** Attempts never counted: the thread was MAX_PENDING behind, died holding them, or was closed first. */
  uncounted = 0;

  constructor(private readonly o: AttemptThreadOptions) {
    this.ruleFiles = o.ruleFiles;
  }

  get backlog(): number {
    return this.pending + this.cdrs.length;
  }

  count(attempt: Cdr, now: number): void {
    if (this.closed || this.pending + this.cdrs.length >= MAX_PENDING) {
      if (this.uncounted++ % 10_000 === 0)
        this.o.log.error({ uncounted: this.uncounted }, 'attempt thread behind or stopped: attempts not counted by the attempt rules');
      return;
    }
    this.handed++;
    this.cdrs.push(attempt);
    this.nows.push(now);
    if (this.cdrs.length >= FLUSH_AT) this.flush();
    else this.timer ??= setTimeout(this.flush, FLUSH_MS).unref();
  }

  /**
   * Starts the thread now rather than at the first attempt (a server's start: the first checks are then counted at
   * once); resolves once it is ready, or after `ms` (it goes on starting: attempts wait for it, bounded).
   */
  async warm(ms: number): Promise<void> {
    if (this.worker || this.closed) return;
    this.starting ??= this.start();
    await Promise.race([this.starting, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
  }

  /** Hot reload: the thread's engine is built again from these rules (its windows start again, as in process). */
  useRules(ruleFiles: RuleFiles): void {
    this.ruleFiles = ruleFiles;
    this.worker?.postMessage({ type: 'rules', ruleFiles } satisfies ToAttemptWorker); // a worker starting gets them once ready
  }

  /** Resolves once every attempt taken so far is counted and its verdicts delivered, or given up (tests, shutdown). */
  settled(): Promise<void> {
    this.flush();
    const target = this.handed;
    if (this.done >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }

  /** Shutdown: counts what was taken (for up to `ms`), gives up the rest (logged, uncounted), then ends the thread. */
  async close(ms = 2_000): Promise<void> {
    await Promise.race([this.settled(), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
    this.closed = true;
    this.stopping.abort();
    clearTimeout(this.timer);
    const left = this.pending + this.cdrs.length;
    if (left > 0) this.o.log.error({ uncounted: left }, 'attempt thread closed before counting these attempts');
    this.giveUp(left);
    this.pending = 0;
    this.cdrs = [];
    this.nows = [];
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.cdrs.length === 0 || this.closed) return;
    if (!this.worker) {
      this.starting ??= this.start(); // the batch waits meanwhile (bounded by MAX_PENDING)
      return;
    }
    this.worker.postMessage({ type: 'attempts', cdrs: this.cdrs, nows: this.nows } satisfies ToAttemptWorker);
    this.pending += this.cdrs.length;
    this.cdrs = [];
    this.nows = [];
  };

  private async start(): Promise<void> {
    const signal = this.stopping.signal;
    try {
      if (this.restartDelayMs > 0) await sleep(this.restartDelayMs, undefined, { signal });
      this.worker = await retry(() => this.spawn(), {
        backoff: RESTART_BACKOFF,
        signal,
        onRetry: (err) => {
          if (!this.closed) this.o.log.error({ err }, 'attempt thread did not start; starting it again');
        },
      });
      this.readyAt = performance.now();
    } catch (err) {
      // only close() ends the wait and the unbounded retry
      if (!this.closed) this.o.log.error({ err }, 'attempt thread not started');
    } finally {
      this.starting = undefined;
    }
    this.flush();
  }

  /**
   * A worker with the rules in force; resolves once its engine is built, rejects if it exits first. It holds the
   * process until close() ends it (Node refs a worker with a message listener).
   */
  private spawn(): Promise<Worker> {
    const ruleFiles = this.ruleFiles;
    const workerData: AttemptWorkerData = { config: engineConfig(this.o.config), ruleFiles };
    const worker = FROM_SOURCE
      ? new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(pathToFileURL(ENTRY).href)}); })`, {
          eval: true,
          workerData,
        })
      : new Worker(ENTRY, { workerData });
    worker.on('error', (err) => this.o.log.error({ err }, 'attempt thread failed'));
    return new Promise((resolve, reject) => {
      const early = (code: number) => reject(new SentinelaError('INTERNAL', `attempt thread exited with ${code} while starting`));
      worker.once('exit', early);
      worker.once('message', (m: FromAttemptWorker) => {
        worker.off('exit', early);
        if (m.type !== 'ready' || this.closed) {
          void worker.terminate();
          return reject(new SentinelaError('INTERNAL', this.closed ? 'attempt thread closed while starting' : `attempt thread said ${m.type} first`));
        }
        worker.on('message', (next: FromAttemptWorker) => this.received(next));
        worker.on('exit', (code) => this.exited(worker, code));
        // a reload while it started: the rules in force now
        if (this.ruleFiles !== ruleFiles) worker.postMessage({ type: 'rules', ruleFiles: this.ruleFiles } satisfies ToAttemptWorker);
        resolve(worker);
      });
    });
  }

  private received(m: FromAttemptWorker): void {
    if (m.type === 'ready' || this.closed) return; // after close() its batches were given up (a message may still arrive)
    if (m.type === 'rules-failed') {
      this.o.log.error({ err: m.message }, 'attempt thread could not put the new rules in force; it counts with the previous ones');
      return;
    }
    this.pending -= m.n;
    for (const { verdicts, now } of m.verdicts) this.o.deliver(verdicts, now);
    if (m.failed) this.o.log.error({ failed: m.failed.count, err: m.failed.message }, 'attempt rules failed on some attempts; they were not counted');
    this.done += m.n;
    this.settle();
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return; // ended by close()
    this.worker = undefined;
    // one that dies within a minute of being ready (a flood of distinct callers exhausting its heap) backs off
    const lived = performance.now() - this.readyAt;
    this.restartDelayMs = lived < 60_000 ? Math.min(Math.max(RESTART_BACKOFF.initialMs, this.restartDelayMs * 2), RESTART_BACKOFF.maxMs) : 0;
    this.o.log.error(
      { code, uncounted: this.pending, restartInMs: this.restartDelayMs },
      'attempt thread stopped: the attempts it held are not counted, its windows start again',
    );
    this.giveUp(this.pending);
    this.pending = 0;
    this.flush();
  }

  /** Attempts taken that will never be counted: in the metrics, and no longer awaited (the caller says why). */
  private giveUp(n: number): void {
    this.uncounted += n;
    this.done += n;
    this.settle();
  }

  private settle(): void {
    const closed = this.closed;
    this.waiters = this.waiters.filter((w) => (closed || w.target <= this.done ? void w.resolve() : true));
  }
}
