import { nextBusinessStart } from '../calendar/business.js';
import { nextLocalMidnight, nextLocalMonthStart } from '../calendar/local-time.js';
import type { CompiledRule } from '../rules/compile.js';
import { formatDuration } from '../rules/duration.js';
import type { Observation } from './detectors/detector.js';
import { ruleLimits, type Limits } from './limits.js';
import type { CallEvent } from './event.js';
import { noveltiesOf } from '../usage/novelty.js';
import { verdictId, subjectText, type Alert, type Block, type Severity, type Subject, type Verdict } from './verdicts.js';
import { round2 } from '../round.js';
import { ruleThrottle, supersede } from './rule-throttle.js';
import { blockOfEntry, type BlockEntry } from '../blocks/block-table.js';
import { GONE, RestoredBlocks } from './restored-blocks.js';

interface Episode {
  quietUntil: number;
  /** 1 warn, 2 critical, 3 block: a higher rank breaks through the quiet period. */
  rank: number;
  suppressed: number;
  /** The rule's running throttle of the subject (graded action): a block of the rule lifts it. */
  throttle?: Block;
}

export interface Escalation {
  readonly ladderMs: readonly number[];
  readonly withinMs: number;
}

export interface Decision {
  readonly verdicts: Verdict[];
  readonly suppressed: boolean;
}

/** An alert as a rebuild reads it back; of its details only `callStartedAt` (its cooldown runs from that call too). */
export type RestoredAlert = Pick<Alert, 'tenant' | 'rule' | 'severity' | 'subject' | 'at'> & { readonly details: { readonly callStartedAt?: unknown } };

/** One episode per tenant, rule and subject (the tenant first: trimming reads each key's tenant). */
const episodeKey = (tenant: string, rule: string, subject: string): string => `${tenant}\u0000${rule}\u0000${subject}`;

const NOTHING: Decision = { verdicts: [], suppressed: false };
const SUPPRESSED: Decision = { verdicts: [], suppressed: true };

/**
 * Turns observations into verdicts: thresholds, suppression while a subject is already alerted or blocked
 * for the same rule (counted, not repeated), and escalating blocks for repeat offenders.
 */
export class EpisodeBook {
  private readonly episodes = new Map<string, Episode>();
  /** Block start times per tenant + subject, for escalation. */
  private readonly history = new Map<string, number[]>();

  /** A rebuild's blocks, waiting until their subject is decided on again (see RestoredBlocks). */
  private readonly restored = new RestoredBlocks();

  /** `holdRestored` false: restored blocks are re-learnt at once (the reference of the equivalence property test). */
  constructor(
    private readonly escalation: Escalation,
    private readonly holdRestored = true,
  ) {}

  get size(): number {
    return this.episodes.size + this.history.size + this.restored.size;
  }

  /**
   * `decidedAt` is when the decision is taken in event time: the newest call end of the tenant's stream (a CDR
   * exists once its call ended), never earlier than `at`. Blocks protect from then on, so an attack of long calls,
   * whose CDRs arrive an hour after they started, is still blocked (EV06).
   */
  decide(
    rule: CompiledRule,
    subject: Subject,
    obs: Observation,
    event: CallEvent,
    decidedAt: number,
    ids: (seqs: readonly number[]) => string[],
    limits: Limits = ruleLimits(rule),
  ): Decision {
    const severity: Severity | null =
      limits.critical !== undefined && obs.value >= limits.critical ? 'critical' : limits.warn !== undefined && obs.value >= limits.warn ? 'warn' : null;
    const blocking = limits.blockAt !== undefined && obs.value >= limits.blockAt;
    if (severity === null && !blocking) return NOTHING;
    const rank = blocking ? 3 : severity === 'critical' ? 2 : 1;
    const subjectKey = subjectText(subject);
    this.relearn(event.tenant, subject, subjectKey);
    const key = episodeKey(event.tenant, rule.id, subjectKey);
    const episode = this.episodes.get(key);
    if (episode && event.t < episode.quietUntil && rank <= episode.rank) {
      episode.suppressed++;
      return SUPPRESSED;
    }
    const need = round2(blocking ? limits.blockAt : severity === 'critical' ? (limits.critical as number) : (limits.warn as number));
    const at = obs.reachedAt(need);
    const evidence = ids(obs.evidence());
    const alertSeverity: Severity = severity ?? 'critical';
    // details() builds a fresh object per call: the decision's fields are added to it, not copied with it
    const details = obs.details();
    details['value'] = round2(obs.value);
    details['threshold'] = need;
    details['suppressedBefore'] = episode?.suppressed ?? 0;
    if (limits.baseline) {
      details['baseline'] = round2(limits.baseline.value);
      details['baselineFrom'] = limits.baseline.from;
    }
    if (event.novelty !== 0) {
      details['novel'] = noveltiesOf(event.novelty).join(',');
      details['destinationClass'] = event.premium ? 'premium' : event.international ? 'international' : 'national';
      if (event.callee?.region) details['destinationCountry'] = event.callee.region;
    }
    const verdicts: Verdict[] = [];
    let quietUntil = alertQuietUntil(rule, at, event.t, event.profile.timeZone);
    let blockNote: string | undefined;
    // a throttle runs from the warn threshold until the rule blocks (or it expires)
    let throttle = episode?.throttle !== undefined && episode.throttle.expiresAt > Math.max(at, decidedAt) ? episode.throttle : undefined;
    if (blocking && rule.block) {
      const historyKey = `${event.tenant}\u0000${subjectKey}`;
      const starts = this.history.get(historyKey) ?? [];
      const from = Math.max(at, decidedAt);
      const level = 1 + starts.filter((s) => s > from - this.escalation.withinMs && s <= from).length;
      const expiresAt = this.expiry(rule, level, at, from, event, obs.period);
      if (expiresAt <= from) blockNote = 'not issued: its local day ended before its CDRs arrived';
      else {
        starts.push(from);
        this.history.set(historyKey, starts);
        quietUntil = Math.max(quietUntil, expiresAt);
        const block: Block = {
          kind: 'block',
          id: verdictId(['block', event.tenant, rule.id, subjectKey, at]),
          tenant: event.tenant,
          rule: rule.id,
          severity: 'critical',
          subject,
          reason: reason(rule, obs.value, need),
          level,
          scope: rule.block.scope,
          startsAt: from,
          expiresAt,
          evidence,
          source: 'rule',
          createdBy: '',
          state: 'active',
        };
        // the lift first: it shares the block's Kafka key (verdictKey), and compaction keeps the key's last record
        if (throttle) verdicts.push(supersede(throttle, block));
        verdicts.push(block);
        throttle = undefined;
      }
    } else if (rule.throttle && !blocking && throttle === undefined) {
      throttle = ruleThrottle(rule, rule.throttle, subject, event.tenant, at, Math.max(at, decidedAt), obs.value, need, evidence);
      quietUntil = Math.max(quietUntil, throttle.expiresAt);
      verdicts.push(throttle);
    }
    if (blockNote) details['block'] = blockNote;
    // the call whose CDR raised it: its cooldown runs from there (alertQuietUntil), also once restored after a restart
    details['callStartedAt'] = new Date(event.t).toISOString();
    verdicts.unshift({
      kind: 'alert',
      id: verdictId(['alert', event.tenant, rule.id, subjectKey, at, alertSeverity]),
      tenant: event.tenant,
      rule: rule.id,
      severity: alertSeverity,
      subject,
      at,
      evidence,
      details,
    });
    // a running throttle keeps the rule quiet to its end, also after a critical below the block (else it warns again)
    if (throttle) quietUntil = Math.max(quietUntil, throttle.expiresAt);
    this.episodes.set(key, throttle ? { quietUntil, rank, suppressed: 0, throttle } : { quietUntil, rank, suppressed: 0 });
    return { verdicts, suppressed: false };
  }

  /**
   * Re-learns a block issued before a restart (state rebuild): repeats stay suppressed until it expires and
   * it counts for escalation. Call before replaying the CDRs that caused it, which then find it and stay quiet.
   * Held compactly until the subject is decided on (RestoredBlocks). The entry may be a reader's reused object: only
   * a throttle is kept whole (a copy: its block lifts it), and re-learnt at once.
   */
  restore(block: BlockEntry): void {
    // a throttle keeps its warn quiet and is lifted by the rule's block; it is no offence for escalation
    if (block.throttle !== undefined) {
      this.relearn(block.tenant, block.subject); // the subject's earlier blocks first, in the order restored
      const key = episodeKey(block.tenant, block.rule, subjectText(block.subject));
      const episode = this.episodes.get(key);
      this.episodes.set(key, {
        quietUntil: Math.max(block.expiresAt, episode?.quietUntil ?? -Infinity),
        rank: episode && episode.quietUntil > block.startsAt ? Math.max(1, episode.rank) : 1,
        suppressed: 0,
        throttle: blockOfEntry(block),
      });
    } else {
      this.restored.add(block.tenant, block.subject, block.rule, block.startsAt, block.expiresAt);
      if (!this.holdRestored) this.relearn(block.tenant, block.subject);
    }
  }

  /** Re-learns the subject's restored blocks, if any are still waiting: before anything reads or sets its episodes. */
  private relearn(tenant: string, subject: Subject, text = subjectText(subject)): void {
    if (this.restored.size === 0) return;
    this.restored.take(tenant, subject, (rule, startsAt, expiresAt) => this.learnBlock(tenant, rule, text, startsAt, expiresAt));
  }

  /** A restored block: repeats stay quiet until it expires, and it counts for escalation (each unless trimmed: GONE). */
  private learnBlock(tenant: string, rule: string, subject: string, startsAt: number, expiresAt: number): void {
    const key = episodeKey(tenant, rule, subject);
    const episode = this.episodes.get(key);
    if (expiresAt !== GONE && (!episode || episode.quietUntil < expiresAt)) this.episodes.set(key, { quietUntil: expiresAt, rank: 3, suppressed: 0 });
    if (startsAt === GONE) return;
    const historyKey = `${tenant}\u0000${subject}`;
    const starts = this.history.get(historyKey);
    if (starts === undefined) this.history.set(historyKey, [startsAt]);
    // a rebuild reads blocks oldest first: appending keeps the starts sorted
    else if ((starts[starts.length - 1] as number) < startsAt) starts.push(startsAt);
    else if (!starts.includes(startsAt)) {
      starts.push(startsAt);
      starts.sort((a, b) => a - b);
    }
  }

  /**
   * Re-learns an alert issued before a restart (state rebuild), quiet until `quietUntil` as `decide` set it: a
   * subject still in its cooldown is not alerted again after every restart. Restore alerts oldest first, before
   * blocks (a later decision replaces an earlier one, as in `decide`).
   */
  restoreAlert(alert: RestoredAlert, quietUntil: number): void {
    this.relearn(alert.tenant, alert.subject);
    this.episodes.set(episodeKey(alert.tenant, alert.rule, subjectText(alert.subject)), {
      quietUntil,
      rank: alert.severity === 'critical' ? 2 : 1,
      suppressed: 0,
    });
  }

  /** Forgets episodes that ended before `horizon` and block history older than the escalation period. */
  trim(horizonOf: (key: string) => number): void {
    this.restored.trim((tenant) => horizonOf(`${tenant}\u0000`), this.escalation.withinMs);
    // forEach, not for…of: the entries iterator allocates an array per key
    this.episodes.forEach((e, key, episodes) => {
      if (e.quietUntil < horizonOf(key)) episodes.delete(key);
    });
    for (const [key, starts] of this.history) {
      const oldest = horizonOf(key) - this.escalation.withinMs;
      const kept = starts.filter((s) => s > oldest);
      if (kept.length === 0) this.history.delete(key);
      else if (kept.length !== starts.length) this.history.set(key, kept);
    }
  }

  /** A quota block ends with the local day the quota counts; every other block runs from the decision. */
  private expiry(rule: CompiledRule, level: number, at: number, from: number, event: CallEvent, period?: 'day' | 'month'): number {
    const block = rule.block;
    if (block?.until === 'localMidnight') return nextLocalMidnight(at, event.profile.timeZone);
    // a month over its cap stays blocked to the month's end, not again at the first call of each day
    if (block?.until === 'capPeriod') return (period === 'month' ? nextLocalMonthStart : nextLocalMidnight)(at, event.profile.timeZone);
    if (block?.until === 'nextBusinessHour') {
      const open = nextBusinessStart(event.profile.calendar, from);
      return open > from ? open : from + (block.durationMs ?? 3_600_000);
    }
    const first = block?.durationMs ?? 300_000;
    if (!block?.escalate || level === 1) return from + first;
    const ladder = this.escalation.ladderMs;
    return from + Math.max(first, ladder[Math.min(level, ladder.length) - 1] as number);
  }
}

function reason(rule: CompiledRule, value: number, need: number): string {
  const window = formatDuration(rule.windowMs);
  switch (rule.measure.kind) {
    case 'count':
      return `${value} calls within ${window} (blocks at ${need}): ${rule.description}`;
    case 'distinct':
      return `${value} distinct ${rule.measure.of}s within ${window} (blocks at ${need}): ${rule.description}`;
    case 'sequence':
      return `${value} sequentially dialled numbers within ${window} (blocks at ${need}): ${rule.description}`;
    case 'dailyQuota':
      return `${round2(value)}% of the daily international quota used (blocks at ${need}%): ${rule.description}`;
    case 'dailyTotal':
      return `${round2(value)} ${rule.measure.of === 'cost' ? 'spent' : 'billed minutes'} today (blocks at ${need}): ${rule.description}`;
    case 'sum':
      return `R$ ${round2(value)} spent within ${window} (blocks at R$ ${round2(need)}): ${rule.description}`;
    case 'moneyCap':
      return `${round2(value)}% of the money cap used (blocks at ${round2(need)}%): ${rule.description}`;
    case 'rangeScore':
      return `range score ${round2(value)} within ${window} (blocks at ${need}): ${rule.description}`;
  }
}

/**
 * Until when an alert reached at `at`, on a call started at `t`, keeps its rule quiet for its subject: a daily
 * measure to the local day's end, else the cooldown.
 */
export function alertQuietUntil(rule: CompiledRule, at: number, t: number, timeZone: string): number {
  return rule.measure.kind === 'dailyQuota' || rule.measure.kind === 'dailyTotal' || rule.measure.kind === 'moneyCap'
    ? nextLocalMidnight(at, timeZone)
    : Math.max(at, t) + rule.cooldownMs;
}
