import type { RuleStats } from '../domain/engine/outcome.js';
import { SubjectList } from '../domain/engine/subject-lists.js';
import { eventId } from '../domain/signalling/event.js';
import { SignallingBook } from '../domain/signalling/signalling-book.js';
import type { SignallingRule } from '../domain/signalling/spec.js';
import type { LegitIncident, Pace, SigAttackKind, SigLabels, SimEvent } from '../sim/signalling/model.js';

/** An IP that sent an attack event this recently is the attacker when blocked (the longest window of the shipped rules). */
const ATTRIBUTION_MS = 10 * 60_000;
/** Users that registered from an address within this before its block were behind it (the longest re-registration). */
const BEHIND_MS = 3_600_000;

export interface EpisodeResult {
  readonly id: string;
  readonly kind: SigAttackKind;
  readonly pace: Pace;
  readonly spoofed: boolean;
  readonly events: number;
  /** Its requests the book saw before (and with) the one that caused the first block of one of its IPs (flood: samples). */
  readonly eventsBeforeBlock: number | null;
  readonly firstRule: string | null;
  /** A warn or critical alert on one of its IPs (a svmap probe is only ever alerted on). */
  readonly alerted: boolean;
  readonly ipsBlocked: number;
  readonly ips: number;
  /** Legit users behind a blocked attacker address (an attacker inside an office NAT). */
  readonly collateralUsers: number;
}

export interface FalseBlock {
  readonly ip: string;
  readonly kind: string;
  readonly rule: string;
  readonly incident: LegitIncident | 'other';
  readonly at: number;
  readonly users: number;
}

export interface SignallingScore {
  readonly events: number;
  readonly episodes: readonly EpisodeResult[];
  readonly legitIps: number;
  readonly falseBlocks: readonly FalseBlock[];
  readonly legitAlerts: readonly { readonly ip: string; readonly rule: string; readonly severity: string; readonly incident: string }[];
  /** Legit requests refused at the edge while their address was blocked. */
  readonly legitDropped: number;
}

/**
 * Feeds the labelled events, in time order, through a SignallingBook with `rules`, as an edge would: a blocked
 * address is dropped (nftables: any tenant) until its block expires, so an attacker's later events never reach the
 * PBX. Blocks and alerts are attributed to the attack that sent from the address within the last 10 minutes, else
 * they are false positives (with the legit incident whose event triggered them).
 */
export function scoreSignalling(labels: SigLabels, events: Iterable<SimEvent>, rules: readonly SignallingRule[], escalationWithinMs: number): SignallingScore {
  const listed = labels.addresses.filter((a) => a.allowListed).map((a) => a.ip);
  const allow = [new SubjectList({ callers: [], accounts: [], ips: listed, destinations: [] })];
  const book = new SignallingBook({ rules, allowLists: () => allow, escalationWithinMs, stats: new Map<string, RuleStats>() });
  const kindOf = new Map(labels.addresses.map((a) => [a.ip, a.kind]));
  const episodes = new Map(
    labels.episodes.map((e) => [
      e.id,
      { e, seen: 0, before: null as number | null, rule: null as string | null, alerted: false, blocked: new Set<string>(), collateral: 0 },
    ]),
  );
  const lastAttack = new Map<string, { at: number; episode: string }>();
  const behind = new Map<string, Map<string, number>>();
  const blockedUntil = new Map<string, number>();
  const legitIps = new Set<string>();
  const falseBlocks: FalseBlock[] = [];
  const legitAlerts: SignallingScore['legitAlerts'][number][] = [];
  let legitDropped = 0;
  let n = 0;

  const usersBehind = (ip: string, at: number) => [...(behind.get(ip)?.values() ?? [])].filter((t) => t >= at - BEHIND_MS).length;
  for (const s of events) {
    const e = s.event;
    n++;
    if (s.episode === undefined) {
      legitIps.add(e.srcIp);
      if (e.type === 'registered' && e.user !== undefined) {
        let users = behind.get(e.srcIp);
        if (!users) behind.set(e.srcIp, (users = new Map<string, number>()));
        users.set(`${e.tenant}/${e.user}`, e.at);
      }
    }
    if ((blockedUntil.get(e.srcIp) ?? -Infinity) > e.at) {
      if (s.episode === undefined) legitDropped++;
      continue;
    }
    const ep = s.episode === undefined ? undefined : episodes.get(s.episode);
    if (ep) {
      // a scanner's request is reported twice (the edge's scanner-signature, the PBX's failure): count requests
      if (e.type !== 'scanner-signature' || ep.e.kind === 'svmap-probe') ep.seen++;
      lastAttack.set(e.srcIp, { at: e.at, episode: ep.e.id });
    }
    for (const v of book.evaluate(e, eventId(e), e.at).verdicts) {
      const ip = v.subject.value;
      const attack = lastAttack.get(ip);
      const by = attack && attack.at >= e.at - ATTRIBUTION_MS ? episodes.get(attack.episode) : undefined;
      if (v.kind === 'block') {
        blockedUntil.set(ip, Math.max(blockedUntil.get(ip) ?? -Infinity, v.expiresAt));
        if (by) {
          if (by.before === null) [by.before, by.rule] = [by.seen, v.rule];
          by.blocked.add(ip);
          by.collateral = Math.max(by.collateral, usersBehind(ip, e.at));
        } else
          falseBlocks.push({ ip, kind: kindOf.get(ip) ?? 'unlabelled', rule: v.rule, incident: s.incident ?? 'other', at: e.at, users: usersBehind(ip, e.at) });
      } else if (v.kind === 'alert') {
        if (by) by.alerted = true;
        else legitAlerts.push({ ip, rule: v.rule, severity: v.severity, incident: s.incident ?? 'other' });
      }
    }
  }
  return {
    events: n,
    episodes: [...episodes.values()].map(({ e, before, rule, alerted, blocked, collateral }) => ({
      id: e.id,
      kind: e.kind,
      pace: e.pace,
      spoofed: e.spoofedAgent,
      events: e.events,
      eventsBeforeBlock: before,
      firstRule: rule,
      alerted: alerted || before !== null,
      ipsBlocked: blocked.size,
      ips: e.attackerIps.length,
      collateralUsers: collateral,
    })),
    legitIps: legitIps.size,
    falseBlocks,
    legitAlerts,
    legitDropped,
  };
}
