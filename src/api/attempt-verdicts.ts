import type { Logger } from 'pino';
import type { DecisionTally } from '../domain/blocks/decision-counts.js';
import type { Verdict } from '../domain/engine/verdicts.js';
import { verdictJson } from '../domain/engine/verdict-json.js';
import { PendingBatch } from '../pipeline/batch.js';
import { Flusher } from '../pipeline/flusher.js';
import type { BatchSink } from '../pipeline/ports.js';
import type { Backoff } from '../retry.js';

/** Writes of one kind through a flusher: whatever arrives while a write runs goes in the next batch. */
class Lane {
  private open = new PendingBatch();
  private readonly flusher: Flusher;

  constructor(
    sinks: readonly BatchSink[],
    backoff: Backoff,
    private readonly log: Logger,
    private readonly what: string,
  ) {
    this.flusher = new Flusher({ sinks, backoff, failed: (err) => log.error({ err }, `${what} not stored yet; retrying`) });
  }

  /** Settles once what `fill` added is stored (or abandoned at shutdown, logged). */
  add(fill: (batch: PendingBatch) => void): Promise<void> {
    const batch = this.open;
    fill(batch);
    if (this.flusher.depth === 0) this.flush();
    return batch.done;
  }

  /** Shutdown: retries queued writes for up to `ms`; what still fails is logged in full (never dropped silently). */
  async drain(ms: number): Promise<void> {
    this.flush();
    await Promise.race([this.flusher.drained(), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
    this.flusher.stop();
  }

  private flush(): void {
    const batch = this.open;
    if (batch.empty) return;
    this.open = new PendingBatch();
    this.flusher.seal(batch);
    batch.done.then(
      () => this.flush(),
      (err: unknown) => this.log.error({ err, verdicts: batch.verdicts.map(verdictJson), decisions: batch.decisions }, `${this.what} not stored at shutdown`),
    );
  }
}

/**
 * Attempt-rule verdicts leave the request path here, through the pipeline's flusher and sinks, so storage round
 * trips do not grow with the attempt rate. Retried with backoff while storage is down; the block itself already
 * answers from this replica's table. The minute tallies of block-check answers (issue 17) have a flusher of their
 * own: a verdict write held up (Kafka down) does not hold the tallies back, and a failing tally write does not keep
 * blocks from being published. A retried tally write carries the same take, and is dropped if it had landed.
 */
export class AttemptVerdicts {
  private readonly verdicts: Lane;
  private readonly decisions: Lane;

  constructor(o: { sinks: readonly BatchSink[]; decisionSinks: readonly BatchSink[]; log: Logger; backoff?: Backoff }) {
    const backoff = o.backoff ?? { initialMs: 500, maxMs: 30_000 };
    this.verdicts = new Lane(o.sinks, backoff, o.log, 'attempt verdicts');
    this.decisions = new Lane(o.decisionSinks, backoff, o.log, 'block-check decision tallies');
  }

  write(verdicts: readonly Verdict[]): void {
    if (verdicts.length > 0) void this.verdicts.add((batch) => batch.verdicts.push(...verdicts));
  }

  /** Settles once the tallies are stored (tests and shutdown wait on it). */
  writeDecisions(tallies: readonly DecisionTally[]): Promise<void> {
    if (tallies.length === 0) return Promise.resolve();
    return this.decisions.add((batch) => batch.decisions.push(...tallies));
  }

  async drain(ms: number): Promise<void> {
    await Promise.all([this.verdicts.drain(ms), this.decisions.drain(ms)]);
  }
}
