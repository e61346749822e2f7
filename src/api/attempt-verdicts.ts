import type { Logger } from 'pino';
import type { DecisionTally } from '../domain/blocks/decision-counts.js';
import type { Verdict } from '../domain/engine/verdicts.js';
import { verdictJson } from '../domain/engine/verdict-json.js';
import { PendingBatch } from '../pipeline/batch.js';
import { Flusher } from '../pipeline/flusher.js';
import type { BatchSink } from '../pipeline/ports.js';
import type { Backoff } from '../retry.js';

/**
 * Attempt-rule verdicts leave the request path here, through the pipeline's flusher and sinks: whatever arrives
 * while a write runs goes in the next batch, so storage round trips do not grow with the attempt rate. Retried
 * with backoff while storage is down; the block itself already answers from this replica's table. The minute
 * tallies of block-check answers (issue 17) travel the same way.
 */
export class AttemptVerdicts {
  private open = new PendingBatch();
  private readonly flusher: Flusher;

  constructor(private readonly o: { sinks: readonly BatchSink[]; log: Logger; backoff?: Backoff }) {
    this.flusher = new Flusher({
      sinks: o.sinks,
      backoff: o.backoff ?? { initialMs: 500, maxMs: 30_000 },
      failed: (err) => o.log.error({ err }, 'attempt verdicts not stored yet; retrying'),
    });
  }

  write(verdicts: readonly Verdict[]): void {
    if (verdicts.length === 0) return;
    this.open.verdicts.push(...verdicts);
    if (this.flusher.depth === 0) this.flush();
  }

  writeDecisions(tallies: readonly DecisionTally[]): void {
    if (tallies.length === 0) return;
    this.open.decisions.push(...tallies);
    if (this.flusher.depth === 0) this.flush();
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
      (err: unknown) =>
        this.o.log.error({ err, verdicts: batch.verdicts.map(verdictJson), decisions: batch.decisions }, 'attempt verdicts not stored at shutdown'),
    );
  }
}
