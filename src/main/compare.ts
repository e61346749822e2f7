import { overlayRuleFiles, type RuleFiles } from '../adapters/files/rule-files.js';
import { compareTallies, VerdictTallies, type Comparison } from '../cli/replay/compare.js';
import type { CompareAnswer, RuleComparer, SubjectChange } from '../api/ports.js';
import { replay } from '../cli/replay/run.js';
import type { Config } from '../config/config.js';
import type { Cdr } from '../domain/cdr/contract.js';
import { parseFormatSpec } from '../domain/cdr/formats/registry.js';
import { SentinelaError } from '../errors.js';
import { createLogger } from '../log.js';
import type { StoredRange } from '../pipeline/ports.js';
import { replayParts } from './replay.js';

/** Where stored CDRs come from (the ClickHouse store, stored-range.ts). */
export interface StoredCdrs {
  /** The stored CDRs counted from `since` on, bounded by the last one stored now: every read of it reads the same. */
  storedRange(since: number, tenant?: string): Promise<StoredRange>;
  storedCdrs(range: StoredRange): AsyncIterable<Cdr>;
}

/** CDRs replayed between two turns of the event loop: block-checks answered by the same process wait at most that long. */
const YIELD_EVERY = 1024;

/**
 * Stored CDRs as canonical NDJSON lines: replay decodes them like any other input, so a comparison over stored CDRs
 * runs the one replay path (decoder, contract, engine) and not a second one. Every YIELD_EVERY CDRs the event loop
 * turns, and an aborted `signal` stops the reading (COMPARE_ABORTED).
 */
export async function* storedCdrLines(store: StoredCdrs, range: StoredRange, signal?: AbortSignal): AsyncIterable<string> {
  const stopIfAborted = () => {
    if (signal?.aborted) throw new SentinelaError('COMPARE_ABORTED', 'the client went away: the rule comparison stopped');
  };
  stopIfAborted();
  let n = 0;
  for await (const cdr of store.storedCdrs(range)) {
    if (++n % YIELD_EVERY === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      stopIfAborted();
    }
    yield JSON.stringify(cdr);
  }
}

/**
 * What a rule change does to the same CDRs (README "Backtesting": --compare): `run` replays them once per rule set,
 * handing each verdict line to be tallied; the tallies are compared.
 */
export async function compareReplays(
  sets: readonly [RuleFiles, RuleFiles],
  run: (ruleFiles: RuleFiles, verdict: (line: string) => void, which: 0 | 1) => Promise<unknown>,
): Promise<Comparison> {
  const tallies = [new VerdictTallies(), new VerdictTallies()] as const;
  for (const which of [0, 1] as const) await run(sets[which], (line) => tallies[which].add(line), which);
  return compareTallies(...tallies);
}

const CANONICAL = parseFormatSpec('canonical');

export const COMPARE_LIMITS = { maxDays: 7, maxCdrs: 500_000, maxSubjects: 200 } as const;

/** One comparison at a time: each replays up to `maxCdrs` CDRs twice. */
export function storedComparer(o: { config: Config; store: StoredCdrs; clock: () => number; maxCdrs?: number }): RuleComparer {
  const maxCdrs = o.maxCdrs ?? COMPARE_LIMITS.maxCdrs;
  const replayOptions = { timeZone: o.config.dialling.timeZone, allowedLatenessMs: o.config.rules.allowedLatenessMs, log: createLogger('silent') };
  let busy = false;
  return {
    async compare(request, inForce, signal) {
      if (request.days > COMPARE_LIMITS.maxDays)
        throw new SentinelaError('COMPARE_TOO_LARGE', `days: at most ${COMPARE_LIMITS.maxDays} days of stored CDRs are replayed`, { path: 'days' });
      const edited = overlay(inForce, request.files);
      const since = o.clock() - request.days * 86_400_000;
      if (busy) throw new SentinelaError('COMPARE_BUSY', 'another rule comparison is running');
      busy = true;
      try {
        const range = await o.store.storedRange(since, request.tenant);
        if (range.count > maxCdrs)
          throw new SentinelaError(
            'COMPARE_TOO_LARGE',
            `${range.count} stored CDRs in ${request.days} days; at most ${maxCdrs} are replayed: fewer days or one tenant`,
            { path: 'days' },
          );
        const comparison = await compareReplays([inForce, edited], async (ruleFiles, verdict) => {
          // stored CDRs passed the contract once: none is rejected, and none is reported
          const sinks = { verdict, rejected: () => {} };
          const lines = storedCdrLines(o.store, range, signal);
          await replay(lines, CANONICAL, replayParts(o.config, ruleFiles, replayOptions), sinks, { now: () => performance.now(), progressEveryMs: 2000 });
        });
        return answerOf(comparison, range.count);
      } finally {
        busy = false;
      }
    },
  };
}

/** The edited files overlaid on the rules in force (as they were read, not as the disk holds them now), validated as at startup (its message, another code). */
function overlay(inForce: RuleFiles, files: Readonly<Record<string, string>>): RuleFiles {
  try {
    return overlayRuleFiles(inForce, files);
  } catch (err) {
    if (!(err instanceof SentinelaError) || err.code !== 'RULES_INVALID') throw err;
    throw new SentinelaError('RULES_EDIT_INVALID', err.message, err.details);
  }
}

function answerOf(c: Comparison, cdrs: number): CompareAnswer {
  const subjects = c.diffs.slice(0, COMPARE_LIMITS.maxSubjects).map((d): SubjectChange => {
    const colon = d.subject.indexOf(':');
    return {
      rule: d.rule,
      tenant: d.tenant,
      subjectKind: d.subject.slice(0, colon),
      subject: d.subject.slice(colon + 1),
      change: d.change,
      ...(d.change === 'appears' ? {} : { before: d.a }),
      ...(d.change === 'disappears' ? {} : { after: d.b }),
    };
  });
  return { rules: Object.entries(c.byRule).map(([rule, n]) => ({ rule, ...n })), subjects, subjectsTotal: c.diffs.length, cdrs };
}
