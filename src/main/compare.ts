import { loadRuleFiles, type RuleFiles } from '../adapters/files/rule-files.js';
import { compareTallies, VerdictTallies, type Comparison } from '../cli/replay/compare.js';
import type { CompareAnswer, RuleComparer, SubjectChange } from '../api/ports.js';
import { replay, type ReplaySummary } from '../cli/replay/run.js';
import type { Config } from '../config/config.js';
import type { Cdr } from '../domain/cdr/contract.js';
import { parseFormatSpec } from '../domain/cdr/formats/registry.js';
import { SentinelaError } from '../errors.js';
import { createLogger } from '../log.js';
import { replayParts } from './replay.js';

/** Where stored CDRs come from (the ClickHouse store). */
export interface StoredCdrs {
  storedCdrs(since: number, tenant?: string): AsyncIterable<Cdr>;
  countStoredCdrs(since: number, tenant?: string): Promise<number>;
}

/**
 * Stored CDRs as canonical NDJSON lines: replay decodes them like any other input, so a comparison over stored CDRs
 * runs the one replay path (decoder, contract, engine) and not a second one.
 */
export async function* storedCdrLines(store: StoredCdrs, since: number, tenant?: string): AsyncIterable<string> {
  for await (const cdr of store.storedCdrs(since, tenant)) yield JSON.stringify(cdr);
}

const CANONICAL = parseFormatSpec('canonical');

/** Replays `lines()` once per rule set and compares the verdicts (README "Backtesting": --compare). */
export async function compareReplays(
  config: Config,
  sets: readonly [RuleFiles, RuleFiles],
  lines: () => AsyncIterable<string>,
): Promise<{ comparison: Comparison; summaries: ReplaySummary[] }> {
  const o = { timeZone: config.dialling.timeZone, allowedLatenessMs: config.rules.allowedLatenessMs, log: createLogger('silent') };
  const summaries: ReplaySummary[] = [];
  const tallies: VerdictTallies[] = [];
  for (const ruleFiles of sets) {
    const tally = new VerdictTallies();
    // stored CDRs passed the contract once: none is rejected, and none is reported
    const sinks = { verdict: (line: string) => tally.add(line), rejected: () => {} };
    summaries.push(await replay(lines(), CANONICAL, replayParts(config, ruleFiles, o), sinks, { now: () => performance.now(), progressEveryMs: 2000 }));
    tallies.push(tally);
  }
  return { comparison: compareTallies(tallies[0] as VerdictTallies, tallies[1] as VerdictTallies), summaries };
}

export const COMPARE_LIMITS = { maxDays: 7, maxCdrs: 500_000, maxSubjects: 200 } as const;

/** One comparison at a time: each replays up to `maxCdrs` CDRs twice. */
export function storedComparer(o: { config: Config; store: StoredCdrs; clock: () => number; maxCdrs?: number }): RuleComparer {
  const maxCdrs = o.maxCdrs ?? COMPARE_LIMITS.maxCdrs;
  let busy = false;
  return {
    async compare(request, inForce) {
      if (request.days > COMPARE_LIMITS.maxDays)
        throw new SentinelaError('COMPARE_TOO_LARGE', `days: at most ${COMPARE_LIMITS.maxDays} days of stored CDRs are replayed`, { path: 'days' });
      const edited = overlay(inForce, request.files);
      const since = o.clock() - request.days * 86_400_000;
      if (busy) throw new SentinelaError('COMPARE_BUSY', 'another rule comparison is running');
      busy = true;
      try {
        const cdrs = await o.store.countStoredCdrs(since, request.tenant);
        if (cdrs > maxCdrs)
          throw new SentinelaError(
            'COMPARE_TOO_LARGE',
            `${cdrs} stored CDRs in ${request.days} days; at most ${maxCdrs} are replayed: fewer days or one tenant`,
            {
              path: 'days',
            },
          );
        const { comparison } = await compareReplays(o.config, [inForce, edited], () => storedCdrLines(o.store, since, request.tenant));
        return answerOf(comparison, cdrs);
      } finally {
        busy = false;
      }
    },
  };
}

/** The edited files read as if saved in the rules directory, validated as at startup (its message, another code). */
function overlay(inForce: RuleFiles, files: Readonly<Record<string, string>>): RuleFiles {
  try {
    return loadRuleFiles(inForce.dir, files);
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
