import type { Block } from '../blocks/block.js';
import type { Outcome, RuleStats } from '../engine/outcome.js';
import type { SubjectList } from '../engine/subject-lists.js';
import { verdictId, type Alert, type Severity, type Verdict } from '../engine/verdicts.js';
import { FAILURE_TYPES, type SecurityEvent } from './event.js';
import { EventWindow } from './event-window.js';
import { KnownSites } from './known-sites.js';
import { isScannerAgent } from './scanners.js';
import type { SignallingRule } from './spec.js';

export interface SignallingOptions {
  readonly rules: readonly SignallingRule[];
  /** The tenant's allow lists (rules/profiles.yaml): the operator's PBXs, SBCs and monitors are never counted or blocked. */
  readonly allowLists: (tenant: string) => readonly SubjectList[];
  /** How long a user stays known at an address it registered or called from (default 30 days). */
  readonly knownForMs?: number;
  /** A repeat offence within this period escalates the block (doubling, up to a day). */
  readonly escalationWithinMs: number;
  /** Where the book counts each rule's work (the engine's rule stats: GET /v1/rules). */
  readonly stats: Map<string, RuleStats>;
  /** Subjects one rule tracks at most (default 200,000): beyond (a flood from spoofed sources), the longest-held is forgotten. */
  readonly maxKeysPerRule?: number | undefined;
}

const NONE: readonly Verdict[] = Object.freeze([]);
const MAX_EVIDENCE = 20;
const MAX_BLOCK_MS = 86_400_000;
const TRIM_EVERY_MS = 10_000;
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The signalling rules (issue 18: EV01, EV02, EV11, enumeration, scanners) over security events: pure, event time is
 * the clock. Every verdict's subject is the source IP the PBX observed; an EV02 user's attackers are each blocked.
 */
export class SignallingBook {
  readonly known: KnownSites;
  private readonly windows: Map<string, EventWindow>[];
  /** rule NUL tenant NUL ip NUL severity → event time until which that alert stays quiet. */
  private readonly quiet = new Map<string, number>();
  /** tenant NUL ip → the last block issued for it (escalation) and until when it holds. */
  private readonly blocked = new Map<string, { level: number; at: number; until: number }>();
  private readonly seen = new Map<string, number>();
  /** The longest window: older events are too late to count, and their ids need not be remembered. */
  private readonly horizonMs: number;
  /** Newest event time per tenant: one PBX's clock never moves another tenant's windows. */
  private readonly newest = new Map<string, number>();
  /** Newest event time over all tenants (trims only). */
  private clock = -Infinity;
  private trimmedAt = -Infinity;
  private knownTrimmedAt = -Infinity;
  private readonly maxKeys: number;

  constructor(private readonly o: SignallingOptions) {
    this.known = new KnownSites(o.knownForMs ?? 30 * 86_400_000);
    this.maxKeys = o.maxKeysPerRule ?? 200_000;
    this.windows = o.rules.map(() => new Map<string, EventWindow>());
    this.horizonMs = Math.max(60_000, ...o.rules.map((r) => r.windowMs));
    for (const r of o.rules) o.stats.set(r.id, { evaluations: 0, alerts: 0, blocks: 0, throttles: 0, suppressed: 0 });
  }

  get ruleCount(): number {
    return this.o.rules.length;
  }

  has(ruleId: string): boolean {
    return this.o.rules.some((r) => r.id === ruleId);
  }

  /** A CDR's account and caller placed a call from `ip`: each is one of that site's own (a SIP user is either). */
  learnCall(tenant: string, ip: string, cdr: { readonly account: string; readonly caller: string }, at: number): void {
    const site = this.known.siteOf(tenant, ip);
    site.learn(cdr.account, at);
    if (cdr.caller !== cdr.account) site.learn(cdr.caller, at);
  }

  /**
   * Counts one security event (its id: `eventId`) and returns the verdicts it causes. `now` refuses events from the
   * future (a wrong clock at the PBX would otherwise expire every window) and starts blocks no later than now.
   */
  evaluate(e: SecurityEvent, id: string, now: number): Pick<Outcome, 'status' | 'verdicts'> {
    if (e.at > now + FUTURE_SKEW_MS) return { status: 'future', verdicts: NONE };
    const newest = this.newest.get(e.tenant) ?? -Infinity;
    // a re-sent old log must not pack days of failures into one window: beyond the longest window, stored only
    if (e.at < newest - this.horizonMs) return { status: 'too-late', verdicts: NONE };
    if (this.seen.has(id)) return { status: 'duplicate', verdicts: NONE };
    if (this.seen.size >= this.maxKeys * 4) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(id, e.at);
    // out-of-order events (within the window) count at the tenant's newest time: windows stay ordered
    const at = Math.max(e.at, newest);
    this.newest.set(e.tenant, at);
    this.clock = Math.max(this.clock, at);
    if (this.clock - this.trimmedAt >= TRIM_EVERY_MS) this.trim(this.clock);
    if (e.type === 'registered') {
      if (e.user !== undefined) this.known.learn(e.tenant, e.srcIp, e.user, at);
      return { status: 'evaluated', verdicts: NONE };
    }
    if (this.o.allowLists(e.tenant).some((l) => l.ip(e.srcIp))) return { status: 'evaluated', verdicts: NONE };
    const scanner = isScannerAgent(e.userAgent);
    let verdicts: Verdict[] | undefined;
    this.o.rules.forEach((rule, i) => {
      if (!counts(rule, e, scanner)) return;
      const key = rule.key === 'user' ? e.user : rule.measure === 'identical' ? `${e.srcIp}\u0000${e.fingerprint ?? ''}` : e.srcIp;
      if (key === undefined) return;
      (this.o.stats.get(rule.id) as RuleStats).evaluations++;
      const windows = this.windows[i] as Map<string, EventWindow>;
      const windowKey = `${e.tenant}\u0000${key}`;
      let window = windows.get(windowKey);
      if (!window) {
        // memory stays bounded under a flood from spoofed sources: the longest-held key makes room
        if (windows.size >= this.maxKeys) windows.delete(windows.keys().next().value as string);
        windows.set(windowKey, (window = new EventWindow(rule.windowMs, allowanceOf(rule))));
      }
      const known = this.known.knows(e.tenant, e.srcIp, e.user, at);
      window.add({ at, weight: e.count * (scanner ? rule.scannerWeight : 1), user: e.user ?? '', ip: e.srcIp, known, id });
      const value = rule.measure === 'distinctUsers' ? window.distinct : window.value;
      const found = this.judge(rule, e, { at, now }, value, window, scanner);
      if (found.length > 0) (verdicts ??= []).push(...found);
    });
    return { status: 'evaluated', verdicts: verdicts ?? NONE };
  }

  private judge(rule: SignallingRule, e: SecurityEvent, t: { at: number; now: number }, value: number, window: EventWindow, scanner: boolean): Verdict[] {
    const at = t.at;
    const { warn, critical } = rule.thresholds;
    const severity: Severity | undefined = critical !== undefined && value >= critical ? 'critical' : warn !== undefined && value >= warn ? 'warn' : undefined;
    if (!severity) return [];
    const stats = this.o.stats.get(rule.id) as RuleStats;
    if (this.isQuiet(rule, e, 'critical', at) || (severity === 'warn' && this.isQuiet(rule, e, 'warn', at))) {
      stats.suppressed++;
      return [];
    }
    this.quiet.set(quietKey(rule, e, severity), at + rule.cooldownMs);
    const details = {
      measure: rule.measure,
      value: round(value),
      threshold: (severity === 'critical' ? critical : warn) as number,
      window: rule.window,
      ...(e.user === undefined ? {} : { user: e.user }),
      ...(e.fingerprint === undefined ? {} : { fingerprint: e.fingerprint }),
      ...(scanner ? { scannerAgent: e.userAgent as string } : {}),
      type: e.type,
    };
    const alert: Alert = {
      kind: 'alert',
      id: verdictId(['alert', e.tenant, rule.id, `ip:${e.srcIp}`, at, severity]),
      tenant: e.tenant,
      rule: rule.id,
      severity,
      subject: { kind: 'ip', value: e.srcIp },
      at,
      evidence: window.evidence(MAX_EVIDENCE),
      details,
    };
    stats.alerts++;
    const out: Verdict[] = [alert];
    if (severity !== 'critical' || rule.blockMs === undefined) return out;
    // flood samples are unauthenticated (a spoofed UDP source costs nothing): a customer's own site is alerted on, never blocked by them
    if (rule.measure === 'identical' && this.known.isSite(e.tenant, e.srcIp)) return out;
    // EV02: every address the user failed from (and that counts) is an attacker of it
    const ips = rule.key === 'user' ? window.sources() : [e.srcIp];
    for (const ip of ips) {
      if (ip !== e.srcIp && this.o.allowLists(e.tenant).some((l) => l.ip(ip))) continue;
      // a block starts no later than now: a PBX clock running fast must not let the attacker through until then
      const block = this.block(rule, e.tenant, ip, Math.min(at, t.now), alert);
      if (block) {
        stats.blocks++;
        out.push(block);
      }
    }
    return out;
  }

  /** State rebuild: a signalling block issued before this book existed (escalation continues, no overlapping block). */
  restoreBlock(b: Pick<Block, 'tenant' | 'subject' | 'level' | 'startsAt' | 'expiresAt'>): void {
    if (b.subject.kind !== 'ip') return;
    const key = `${b.tenant}\u0000${b.subject.value}`;
    const last = this.blocked.get(key);
    if (!last || last.until < b.expiresAt) this.blocked.set(key, { level: b.level, at: b.startsAt, until: b.expiresAt });
  }

  private block(rule: SignallingRule, tenant: string, ip: string, at: number, alert: Alert): Block | undefined {
    const key = `${tenant}\u0000${ip}`;
    const last = this.blocked.get(key);
    if (last && last.until > at) return undefined; // already blocked (by this or another signalling rule)
    // a repeat offence within the escalation period after the last block ended (a day-long block must not reset it)
    const level = last && at - last.until <= this.o.escalationWithinMs ? last.level + 1 : 1;
    const ms = Math.min(MAX_BLOCK_MS, (rule.blockMs as number) * 2 ** (level - 1));
    this.blocked.set(key, { level, at, until: at + ms });
    return {
      kind: 'block',
      id: verdictId(['block', tenant, rule.id, `ip:${ip}`, at]),
      tenant,
      rule: rule.id,
      severity: 'critical',
      subject: { kind: 'ip', value: ip },
      reason: `${rule.description} (${alert.details['value']} ≥ ${alert.details['threshold']} in ${rule.window})`,
      level,
      scope: 'all',
      startsAt: at,
      expiresAt: at + ms,
      evidence: alert.evidence,
      source: 'rule',
      createdBy: '',
      state: 'active',
    };
  }

  private isQuiet(rule: SignallingRule, e: SecurityEvent, severity: Severity, at: number): boolean {
    return (this.quiet.get(quietKey(rule, e, severity)) ?? -Infinity) > at;
  }

  /**
   * Forgets windows, quiet periods, blocks and ids older than what any rule still reads, at most every
   * TRIM_EVERY_MS of event time (a walk of every map: not per event under a flood). Windows expire a horizon
   * behind the newest tenant, so a tenant whose events lag the others' keeps its windows.
   */
  trim(at: number): void {
    this.trimmedAt = at;
    for (const windows of this.windows)
      windows.forEach((w, key) => {
        w.expire(at - this.horizonMs);
        if (w.empty) windows.delete(key);
      });
    this.quiet.forEach((until, key) => until <= at && this.quiet.delete(key));
    this.blocked.forEach((b, key) => at - b.until > this.o.escalationWithinMs && this.blocked.delete(key));
    this.seen.forEach((t, id) => t < at - 2 * this.horizonMs && this.seen.delete(id));
    // known users live for weeks: their map is walked once an hour of event time, not every TRIM_EVERY events
    if (at - this.knownTrimmedAt >= 3_600_000) {
      this.known.trim(at);
      this.knownTrimmedAt = at;
    }
  }
}

/** Failures a known user may have at its own site before they count; enumeration counts unknown names only. */
function allowanceOf(rule: SignallingRule): number {
  if (rule.measure === 'distinctUsers') return Number.MAX_SAFE_INTEGER;
  return rule.measure === 'failures' ? rule.knownUserAllowance : 0;
}

function counts(rule: SignallingRule, e: SecurityEvent, scanner: boolean): boolean {
  switch (rule.measure) {
    case 'failures':
    case 'distinctUsers':
      return FAILURE_TYPES.has(e.type);
    case 'identical':
      return e.type === 'flood-sample';
    case 'scanner':
      return e.type === 'scanner-signature' || scanner;
  }
}

const quietKey = (rule: SignallingRule, e: SecurityEvent, severity: Severity) => `${rule.id}\u0000${e.tenant}\u0000${e.srcIp}\u0000${severity}`;
const round = (v: number) => Math.round(v * 100) / 100;
