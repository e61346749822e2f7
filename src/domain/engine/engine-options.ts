import type { Normaliser } from '../numbering/normaliser.js';
import type { CompiledRule } from '../rules/compile.js';
import type { RateTable } from '../cost/rate-table.js';
import type { HotlistHolder } from '../lists/hotlist.js';
import { SignallingBook } from '../signalling/signalling-book.js';
import type { SignallingRule } from '../signalling/spec.js';
import type { HotRange } from './hot-ranges.js';
import type { RuleStats } from './outcome.js';
import type { PrefixLists } from './prefix-lists.js';
import type { ProfileBook } from './profiles.js';

/** What an engine is built from: compiled rules, profiles, lists, rates and its tolerances. */
export interface EngineOptions {
  readonly rules: readonly CompiledRule[];
  readonly profiles: ProfileBook;
  readonly prefixLists: PrefixLists;
  /** Prices per destination (rules/rates.csv): the cost of CDRs without one is estimated (issue 16). */
  readonly rates?: RateTable;
  /** Late CDRs within this much of the newest event time are counted in their windows (default 6 h). */
  readonly allowedLatenessMs?: number;
  /** CDRs starting further than this after `now` are refused (a wrong clock would evict every window). */
  readonly maxFutureSkewMs?: number;
  readonly evidenceCapacity?: number;
  readonly normaliser?: Normaliser;
  /** Tenant-scoped hot ranges to start with (hotlists, confirmed attacks); more with `addHotRanges`. */
  readonly hotRanges?: readonly HotRange[];
  /** Shared hotlists (issue 16): the current index, swapped by the adapters when they reload it. */
  readonly hotlist?: HotlistHolder;
  /** Signalling rules over security events (issue 18): their state lives beside the CDR rules'. */
  readonly signalling?: readonly SignallingRule[];
  /**
   * Every event is new by construction, so none is looked up or remembered as a possible duplicate: block-check
   * attempts each get a fresh id, and a retransmitted check is caught before it is counted (SeenCalls).
   */
  readonly uniqueEvents?: boolean;
  /** Usage profiles kept per kind of subject (IP, account, caller); default DEFAULT_MAX_SUBJECTS (subject-cap.ts). */
  readonly maxUsageSubjects?: number;
}

/** The engine's signalling rules over security events, counting into the engine's rule stats (GET /v1/rules). */
export function signallingBookFor(options: EngineOptions, stats: Map<string, RuleStats>): SignallingBook {
  const profiles = options.profiles;
  return new SignallingBook({
    rules: options.signalling ?? [],
    allowLists: (tenant) => profiles.allowLists(tenant),
    escalationWithinMs: profiles.escalationWithinMs,
    stats,
  });
}
