import type { Cdr } from '../cdr/contract.js';
import { Normaliser, type NumberResult } from '../numbering/normaliser.js';
import type { Detector } from './detectors/detector.js';
import { detectorsFor } from './detectors/detector-for.js';
import { CallDedup } from './dedup.js';
import { checkDenyLists, exemptKinds, type DenyHit } from './lists-check.js';
import { alertQuietUntil, EpisodeBook, type RestoredAlert } from './episodes.js';
import { ruleLimits, type Limits } from './limits.js';
import { RuleBaseline } from './rule-baseline.js';
import { UsageBook, type LearningCall } from '../usage/usage-book.js';
import type { SubjectKind } from '../usage/subjects.js';
import type { UsageSnapshot } from '../usage/usage-snapshot.js';
import { EvidenceRing } from './evidence-ring.js';
import { NumberMemo } from './number-memo.js';
import { enrich, type CallEvent, type EnrichDeps } from './event.js';
import type { SubjectList } from './subject-lists.js';
import type { Verdict } from './verdicts.js';
import type { BlockEntry } from '../blocks/block-table.js';
import { CalleeFactsMemo } from '../cost/callee-facts.js';
import { DailyCostBaseline } from '../cost/daily-cost-baseline.js';
import { MoneyBook, type MoneyRow } from '../cost/money-book.js';
import type { HotRange } from './hot-ranges.js';
import { RangeMarks } from './range-marks.js';
import { CallKeys } from './call-keys.js';
import type { EventStatus, Outcome, RuleStats } from './outcome.js';
import { StateTrimmer } from './state-trim.js';
import { TenantStreams } from './tenant-streams.js';
import type { SignallingBook } from '../signalling/signalling-book.js';
import { signallingBookFor, type EngineOptions } from './engine-options.js';

export type { EngineOptions } from './engine-options.js';

export { EVENT_STATUSES, type EventStatus, type Outcome, type RuleStats } from './outcome.js';

export const DEFAULT_ALLOWED_LATENESS_MS = 6 * 3_600_000;
const DEFAULT_FUTURE_SKEW_MS = 5 * 60_000;
const NO_HITS: readonly DenyHit[] = Object.freeze([]);

/**
 * The rule engine: CDRs in, verdicts out. Pure: event time is the clock and `now` only bounds CDRs from the
 * future, so the same CDRs in the same order give byte-identical verdicts in a replay and in the stream.
 */
export class Engine {
  private readonly detectors: readonly Detector[];
  private readonly episodes: EpisodeBook;
  private readonly ring: EvidenceRing;
  private readonly numbers: NumberMemo;
  private readonly dedup = new CallDedup();
  /** Hot ranges (rules' marks, given ranges) and the shared hotlist. */
  private readonly ranges: RangeMarks;
  private readonly usage: UsageBook;
  /** Whether any rule reads learned usage (baselines or novelty): otherwise nothing is learned. */
  private readonly learns: boolean;
  private readonly limits: readonly Limits[];
  /** Per detector, the learning of a rule with a baseline. */
  private readonly baselines: readonly (Pick<RuleBaseline, 'judge'> | undefined)[];
  /** What enrich reads, built once (not an object per CDR). */
  private readonly enrichDeps: EnrichDeps;
  /** Outbound cost per account, day and month (money caps, `baseline: dailyCost`): only when a rule reads it. */
  private readonly money: MoneyBook | undefined;
  private readonly detectorStats: readonly RuleStats[];
  private readonly lateness: number;
  private readonly skew: number;
  private readonly streams = new TenantStreams();
  private readonly trimmer: StateTrimmer;
  /** The subject keys of the call being counted (one object for every call). */
  private readonly keys = new CallKeys();
  /** The call's usage subjects: one object for every call (read, never kept, by the usage book). */
  private readonly usageKeys: { account: string; caller: string; ip: string | undefined } = { account: '', caller: '', ip: undefined };
  readonly counts: Record<EventStatus, number> = { evaluated: 0, emergency: 0, 'too-late': 0, future: 0, duplicate: 0, leg: 0 };
  readonly ruleStats = new Map<string, RuleStats>();
  readonly signalling: SignallingBook;

  constructor(private readonly options: EngineOptions) {
    this.usage = new UsageBook(options.maxUsageSubjects);
    this.money = options.rules.some((r) => r.measure.kind === 'moneyCap' || r.baseline?.dailyCost === true) ? new MoneyBook() : undefined;
    // rate and validity per callee, when a rate table is loaded
    const callees = options.rates ? new CalleeFactsMemo(options.rates) : undefined;
    const built = detectorsFor(options.rules, this.money);
    this.detectors = built.detectors;
    this.episodes = new EpisodeBook({ ladderMs: options.profiles.escalationLadderMs, withinMs: options.profiles.escalationWithinMs });
    this.ring = new EvidenceRing(options.evidenceCapacity);
    this.numbers = new NumberMemo(options.normaliser ?? new Normaliser());
    this.enrichDeps = { numbers: this.numbers, profiles: options.profiles, prefixLists: options.prefixLists, callees };
    this.lateness = options.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS;
    this.skew = options.maxFutureSkewMs ?? DEFAULT_FUTURE_SKEW_MS;
    for (const id of ['deny-list', 'hotlist', ...options.rules.map((r) => r.id)])
      this.ruleStats.set(id, { evaluations: 0, alerts: 0, blocks: 0, throttles: 0, suppressed: 0 });
    this.detectorStats = this.detectors.map((d) => this.ruleStats.get(d.rule.id) as RuleStats);
    this.signalling = signallingBookFor(options, this.ruleStats);
    this.limits = options.rules.map(ruleLimits);
    this.baselines = options.rules.map((r) =>
      !r.baseline
        ? undefined
        : r.baseline.dailyCost && this.money
          ? new DailyCostBaseline(r, this.money)
          : new RuleBaseline({ ...r, baseline: r.baseline }, this.usage),
    );
    this.learns = options.rules.some((r) => r.baseline !== undefined || r.readsNovelty);
    this.ranges = new RangeMarks(options.rules, options.hotlist);
    this.ranges.add(options.hotRanges ?? []);
    const { detectors, episodes, dedup, ranges, usage, money, streams, lateness } = this;
    this.trimmer = new StateTrimmer({ detectors, logs: built.logs, episodes, dedup, ranges, usage, money, streams, lateness });
  }

  /** Tenant-scoped hot ranges from outside the rules (hotlists: a confirmed alert's range, a shared list), each until
   *  its `expiresAt`: range rules weigh calls to them as hot and `match.hot: [given]` matches them. */
  addHotRanges(ranges: readonly HotRange[]): void {
    this.ranges.add(ranges);
  }

  /** Unexpired hot ranges (given and marked by rules), optionally of one tenant, at event time `at`. */
  hotRanges(at: number, tenant?: string): HotRange[] {
    return this.ranges.active(at, tenant);
  }

  /** Newest event time seen over all tenants (epoch ms), or -Infinity before the first CDR. */
  get eventTime(): number {
    return this.streams.watermark;
  }

  /**
   * Counts a CDR and returns the verdicts it causes. `rebuild`: a CDR counted before a restart, replayed to rebuild
   * windows and learning; it decides nothing, since its verdicts were stored before it was (the rebuild restores
   * them), and deciding again against the end-of-run profile could differ and, say, escalate the next block twice.
   */
  process(cdr: Cdr, now: number, rebuild = false): Outcome {
    if (cdr.startedAt > now + this.skew) return this.outcome('future', []);
    const tenantMark = this.streams.markOf(cdr.tenant);
    if (cdr.startedAt < tenantMark - this.lateness) return this.outcome('too-late', []);
    const seen = this.options.uniqueEvents === true ? 'new' : this.dedup.see(cdr.tenant, cdr.id, cdr.callId, cdr.startedAt);
    if (seen !== 'new') return this.outcome(seen, []);
    const decidedAt = this.streams.advance(cdr, tenantMark, this.lateness);
    const event = enrich(cdr, this.ring.push(cdr.id), this.enrichDeps);
    if (event.emergency) return this.outcome('emergency', [], event);
    if (event.ip !== undefined && event.direction !== 'inbound' && this.signalling.ruleCount > 0)
      this.signalling.learnCall(event.tenant, event.ip, cdr, event.t);
    if (event.callee?.e164) event.hot = this.ranges.of(event.tenant, event.callee.e164, event.t);
    // G3: only outbound calls teach a profile (an SBC delivering inbound calls is not a site of callers)
    const learning = this.learns && event.direction === 'outbound';
    const keys = this.keys;
    keys.reset(event.tenant);
    // sites, sets and first/last-seen times are idempotent: always learned (a late CDR may follow a snapshot);
    // peak levels are not, so a rebuild does not relearn the calls a restored snapshot had already learned
    if (learning) {
      const subjects = this.usageKeys;
      subjects.account = keys.of(event.account);
      subjects.caller = keys.of(event.caller);
      subjects.ip = event.ip === undefined ? undefined : keys.of(event.ip);
      event.novelty = this.usage.observe(event, subjects);
    }
    const fresh = this.streams.fresh(cdr);
    const teaches = learning && fresh;
    // money is counted once: a rebuild replaying calls the restored snapshot already counted adds nothing; a call
    // that cost nothing changes no total (the money rules skip it too)
    if (this.money && event.direction === 'outbound' && (event.cost ?? 0) > 0)
      this.money.observe(keys.of(event.account), event, this.usage.hourOf(event), fresh);
    let call: LearningCall | undefined;
    const verdicts: Verdict[] = [];
    const denyLists = this.options.profiles.denyLists(event.tenant);
    // indexed loops: an array iterator per loop and CDR was allocated here (bench:engine heap profile)
    const denied = rebuild || denyLists.length === 0 ? NO_HITS : checkDenyLists(event, denyLists);
    for (let i = 0; i < denied.length; i++) this.decideHit('deny-list', denied[i] as DenyHit, event, decidedAt, verdicts);
    const hotlisted = rebuild ? NO_HITS : this.ranges.denyHits(event);
    for (let i = 0; i < hotlisted.length; i++) this.decideHit('hotlist', hotlisted[i] as DenyHit, event, decidedAt, verdicts);
    const exempt = exemptKinds(event, this.options.profiles.allowLists(event.tenant));
    for (let i = 0; i < this.detectors.length; i++) {
      const detector = this.detectors[i] as Detector;
      const rule = detector.rule;
      if ((exempt.size > 0 && exempt.has(rule.keyKind)) || !rule.matches(event)) continue;
      const subject = rule.subject(event);
      if (subject === null) continue;
      (this.detectorStats[i] as RuleStats).evaluations++;
      const observation = detector.observe(event, keys.of(subject.value));
      if (!observation) continue;
      let limits = this.limits[i] as Limits;
      const baseline = this.baselines[i];
      if (baseline && learning) {
        call ??= { e: event, at: this.usage.hourOf(event), teaches, taints: fresh || !rebuild };
        limits = baseline.judge(call, observation.value);
      }
      if (!rebuild) this.record(rule.id, this.episodes.decide(rule, subject, observation, event, decidedAt, this.ring.idsOf, limits), verdicts);
    }
    this.ranges.mark(verdicts);
    this.trimmer.tick();
    return this.outcome('evaluated', verdicts, event);
  }

  /**
   * How far back (event time, from now) a state rebuild must replay CDRs: the longest window plus the allowed
   * lateness, and at least a day plus lateness so today's quotas (local day) are whole.
   */
  get stateHorizonMs(): number {
    const longest = Math.max(86_400_000, ...this.options.rules.map((r) => r.windowMs));
    return longest + this.lateness;
  }

  /** How far back a rebuild must read blocks: the escalation period (repeat offenders) or the longest block. */
  get blockHorizonMs(): number {
    return Math.max(this.options.profiles.escalationWithinMs, 7 * 86_400_000);
  }

  /** The CDR's caller and callee as the rules read them (memoised: cheap right after `process`). */
  numbersOf(cdr: Cdr): { caller: NumberResult; callee: NumberResult } {
    const plan = this.options.profiles.profile(cdr.tenant, cdr.account).dialPlan;
    return { caller: this.numbers.normalise(cdr.caller, plan, 'caller'), callee: this.numbers.normalise(cdr.callee, plan, 'callee') };
  }

  /** The CDR as the rules would read it, without counting it (block-check of a CDR the engine refused). */
  describe(cdr: Cdr): CallEvent {
    return enrich(cdr, -1, this.enrichDeps);
  }

  /** Allow and deny lists (G4) of a tenant, as the rules apply them. */
  lists(tenant: string): { readonly allow: readonly SubjectList[]; readonly deny: readonly SubjectList[] } {
    return { allow: this.options.profiles.allowLists(tenant), deny: this.options.profiles.denyLists(tenant) };
  }

  /**
   * State rebuild: an alert issued before this engine existed (EpisodeBook.restoreAlert), quiet as long as when issued
   * (from the call that raised it; rows stored without it, from the threshold's time). Alerts of rules this engine
   * does not run (attempt rules, removed rules) are skipped.
   */
  restoreAlert(alert: RestoredAlert): void {
    const rule = this.options.rules.find((r) => r.id === alert.rule);
    if (!rule) return;
    this.ranges.mark([alert], [rule]);
    const account = alert.subject.kind === 'account' ? alert.subject.value : '';
    const call = Date.parse(String(alert.details.callStartedAt)) || alert.at;
    this.episodes.restoreAlert(alert, alertQuietUntil(rule, alert.at, call, this.options.profiles.profile(alert.tenant, account).timeZone));
  }

  /** How far back a rebuild reads alerts: a cooldown runs from the call, which may start a window after `at`. */
  get alertHorizonMs(): number {
    return Math.max(86_400_000, ...this.options.rules.map((r) => r.windowMs + r.cooldownMs)) + this.lateness;
  }

  /** State rebuild: a block issued before this engine existed (see EpisodeBook.restore; the entry may be reused). */
  restoreBlock(block: BlockEntry): void {
    if (this.signalling.has(block.rule)) this.signalling.restoreBlock(block);
    else this.episodes.restore(block);
  }

  /**
   * Learned usage profiles (G3), a snapshot per tenant counted here (whoever owns its partition saves it).
   * `beginUsageSnapshot` takes them a slice at a time while CDRs go on being counted (exactly the state it began at).
   */
  usageSnapshots(): UsageSnapshot[] {
    return this.beginUsageSnapshot().step(Infinity) as UsageSnapshot[];
  }

  beginUsageSnapshot(): { step(budget: number): UsageSnapshot[] | undefined } {
    const through = this.streams.throughs();
    const capture = this.usage.beginSnapshot(through);
    const extra = new Map([...through.keys()].map((t) => [t, { throughIds: this.streams.endIdsOf(t), ...(this.money ? { money: this.money.rows(t) } : {}) }]));
    return { step: (budget) => capture.step(budget)?.map((s) => ({ ...s, ...extra.get(s.tenant) })) };
  }

  /** Loads stored usage profiles: call before a state rebuild replays recent CDRs. Learning is a max over event time
   *  (first and last seen, sets, per-day peaks), so replaying CDRs a snapshot already learned changes nothing. */
  restoreUsage(snapshots: readonly UsageSnapshot[]): void {
    for (const s of snapshots) {
      this.usage.restore(s);
      this.money?.restore(s.tenant, (s.money ?? []) as readonly MoneyRow[]);
      this.streams.restored(s.tenant, s.through, s.throughIds ?? []);
    }
  }

  /** Subjects with a learned usage profile, and how many of each kind the cap dropped to make room (metrics). */
  get usageSubjects(): { readonly held: number; readonly dropped: Readonly<Record<SubjectKind, number>> } {
    return { held: this.usage.size, dropped: this.usage.dropped };
  }

  /** Keys held per rule (for stats and the memory benchmark). */
  keyCounts(): Record<string, number> {
    return Object.fromEntries(this.detectors.map((d) => [d.rule.id, d.keyCount]));
  }

  private decideHit(ruleId: string, hit: DenyHit, event: CallEvent, decidedAt: number, out: Verdict[]): void {
    this.record(ruleId, this.episodes.decide(hit.rule, hit.subject, hit.observation, event, decidedAt, this.ring.idsOf), out);
  }

  private record(ruleId: string, decision: ReturnType<EpisodeBook['decide']>, out: Verdict[]): void {
    const stats = this.ruleStats.get(ruleId) as RuleStats;
    if (decision.suppressed) stats.suppressed++;
    if (decision.verdicts.length === 0) return;
    for (const v of decision.verdicts) {
      if (v.kind === 'alert') stats.alerts++;
      else if (v.throttle !== undefined) stats.throttles += v.state === 'active' ? 1 : 0;
      else stats.blocks++;
      out.push(v);
    }
  }

  private outcome(status: EventStatus, verdicts: readonly Verdict[], event?: CallEvent): Outcome {
    this.counts[status]++;
    return event ? { status, verdicts, event } : { status, verdicts };
  }
}
