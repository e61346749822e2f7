import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { loadRuleFiles, type RuleFiles } from './rule-files.js';
import { SentinelaError } from '../../errors.js';
import { ruleSetDigest } from '../../security/config-fingerprint.js';

export type ReloadTrigger = 'change' | 'sighup';

/** The last reload: what is in force, and why the files on disk are not when they were refused. */
export interface ReloadStatus {
  /** Epoch ms of the last reload attempt (the start, before any: when the rules were loaded). */
  readonly at: number;
  readonly result: 'loaded' | 'accepted' | 'refused' | 'unchanged';
  readonly trigger?: ReloadTrigger;
  /** The digest of the rule set in force (config-fingerprint.ts). */
  readonly digest: string;
  /** Refused: the error, with the message startup would have given. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** What the API shows: the rules in force and how the last reload went. */
export interface RulesInForce {
  readonly current: RuleFiles;
  readonly status: ReloadStatus;
}

export interface RuleReloaderOptions {
  readonly initial: RuleFiles;
  /** Puts accepted rules in force in this process (and its pipeline child); resolves once they are. */
  readonly apply: (next: RuleFiles) => Promise<void>;
  /** Writes the EV04 audit record of an accepted or refused reload. */
  readonly audit: (result: 'success' | 'failure', details: Record<string, unknown>) => Promise<void>;
  readonly log: Logger;
  readonly registry?: Registry;
  readonly clock?: () => number;
  /** Quiet time after the last change before reloading: an editor's save is several events (default 300 ms). */
  readonly debounceMs?: number;
}

const SUBDIRS = ['lists', 'mappings'];

/**
 * Hot reload of the rules directory (README "Hot reload"): on a change (fs.watch on the directory and its lists/
 * and mappings/, so a rename-into-place save is seen) or SIGHUP, the files are read and validated by the loader
 * startup uses; a valid set is applied, an invalid one is refused with startup's message while the rules in force
 * stay. Either way it is logged, counted, shown in `status` and audited with the old and new digests.
 */
export class RuleReloader implements RulesInForce {
  private files: RuleFiles;
  private last: ReloadStatus;
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly clock: () => number;
  private readonly reloads: Counter<'result'> | undefined;
  private readonly refused: Gauge | undefined;
  private readonly onSighup = () => void this.reload('sighup');

  constructor(private readonly o: RuleReloaderOptions) {
    this.files = o.initial;
    this.clock = o.clock ?? Date.now;
    this.last = { at: this.clock(), result: 'loaded', digest: ruleSetDigest(o.initial) };
    const registers = o.registry ? [o.registry] : [];
    if (o.registry) {
      this.reloads = new Counter({
        name: 'sentinela_rules_reloads_total',
        help: 'Rule reloads by result (accepted, refused, unchanged)',
        labelNames: ['result'],
        registers,
      });
      this.refused = new Gauge({
        name: 'sentinela_rules_reload_refused',
        help: '1 while the rule files on disk are refused and older rules stay in force',
        registers,
      });
    }
  }

  get current(): RuleFiles {
    return this.files;
  }

  get status(): ReloadStatus {
    return this.last;
  }

  /** Watches the directory and listens for SIGHUP. */
  start(): void {
    this.watchDirs();
    process.on('SIGHUP', this.onSighup);
  }

  /**
   * No more reloads: a queued one is dropped, and one already applying is waited for, so nothing changes once this
   * resolves. An apply that rebuilds a pipeline ends at the latest when that pipeline stops.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    process.off('SIGHUP', this.onSighup);
    clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.running;
  }

  /** Reads, validates and applies the rules directory; one reload at a time, in order. */
  reload(trigger: ReloadTrigger): Promise<ReloadStatus> {
    const next = this.running.then(() => this.reloadOnce(trigger));
    this.running = next.catch(() => undefined);
    return next;
  }

  private async reloadOnce(trigger: ReloadTrigger): Promise<ReloadStatus> {
    if (this.stopped) return this.last;
    this.watchDirs(); // lists/ or mappings/ may have appeared
    const before = this.last.digest;
    let next: RuleFiles;
    try {
      next = loadRuleFiles(this.o.initial.dir);
    } catch (err) {
      const error = err instanceof SentinelaError ? err : new SentinelaError('RULES_UNREADABLE', (err as Error).message);
      this.o.log.error({ trigger, code: error.code, digest: before }, `rule reload refused, the rules in force stay: ${error.message}`);
      return this.finish({ at: this.clock(), result: 'refused', trigger, digest: before, error: { code: error.code, message: error.message } }, before);
    }
    const after = ruleSetDigest(next);
    if (after === before) {
      this.o.log.info({ trigger, digest: after }, 'rule files unchanged');
      this.reloads?.inc({ result: 'unchanged' });
      this.refused?.set(0);
      return (this.last = { at: this.clock(), result: 'unchanged', trigger, digest: after });
    }
    try {
      await this.o.apply(next);
    } catch (err) {
      const message = `the new rules could not be put in force: ${(err as Error).message}`;
      const code = err instanceof SentinelaError ? err.code : 'INTERNAL';
      this.o.log.error({ trigger, err, digest: before, refusedDigest: after }, message);
      return this.finish({ at: this.clock(), result: 'refused', trigger, digest: before, error: { code, message } }, before, after);
    }
    this.files = next;
    // decoders keep the mappings they started with (a stream's decoder holds state): those need a restart
    const restart = JSON.stringify([...next.mappings]) === JSON.stringify([...this.o.initial.mappings]) ? {} : { restartFor: 'mappings/' };
    this.o.log.info({ trigger, from: before, to: after, rules: next.rules.length, ...restart }, 'rules reloaded');
    return this.finish({ at: this.clock(), result: 'accepted', trigger, digest: after }, before, after, next.rules.length);
  }

  private async finish(status: ReloadStatus, before: string, after?: string, rules?: number): Promise<ReloadStatus> {
    this.last = status;
    this.reloads?.inc({ result: status.result });
    this.refused?.set(status.result === 'refused' ? 1 : 0);
    const details = { trigger: status.trigger, dir: this.o.initial.dir, from: before, to: after ?? null, rules, error: status.error };
    await this.o
      .audit(status.result === 'refused' ? 'failure' : 'success', details)
      .catch((err: unknown) => this.o.log.error({ err }, 'rule reload audit failed'));
    return status;
  }

  private watchDirs(): void {
    for (const dir of [this.o.initial.dir, ...SUBDIRS.map((d) => join(this.o.initial.dir, d))]) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.changed());
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir); // removed: watched again at the next reload if it comes back
        });
        this.watchers.set(dir, w);
      } catch {
        // absent (lists/, mappings/ are optional): the directory's own watcher sees it appear
      }
    }
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload('change'), this.o.debounceMs ?? 300);
    this.timer.unref();
  }
}
