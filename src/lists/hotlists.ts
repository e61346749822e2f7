import type { Logger } from 'pino';
import type { StoredAlert } from '../api/ports.js';
import { checkIp, checkNumber, entryId, isActive, makeEntry, type HotlistEntry, type HotlistInput, type HotlistKind } from '../domain/lists/hotlist-entry.js';
import { SentinelaError } from '../errors.js';
import type { AuditTrail } from '../security/audit-trail.js';
import type { HotlistStore } from './ports.js';
import type { HotlistRefresher } from './refresh.js';

export interface Who {
  readonly actor: string;
  readonly ip: string;
}

export interface ImportResult {
  readonly stored: number;
  readonly refused: readonly { readonly line: number; readonly value: string; readonly reason: string }[];
}

/** Rows per insert: an APIBAN page is 250 addresses, a big CSV is written in slices. */
export const CHUNK = 5_000;
/** How long a range learned from a confirmed attack stays hot. */
export const LEARNED_TTL_MS = 90 * 86_400_000;

/**
 * Hotlist changes (imports, operators' adds and removals, ranges learned from confirmed alerts): validated, stored
 * as new versions, applied to this process's index at once, and audited with counts and source (EV04).
 */
export class Hotlists {
  private version = 0;

  constructor(
    private readonly o: {
      store: HotlistStore;
      audit: AuditTrail;
      clock: () => number;
      /** This process's index, reloaded at once after a change here. */
      refresher?: HotlistRefresher | undefined;
      log?: Logger | undefined;
      homeCountryCode?: string | undefined;
    },
  ) {}

  /** Validates and stores entries; refused rows come back with their line and reason (never dropped silently). */
  async import(
    rows: readonly { line: number; input: HotlistInput }[],
    meta: { source: string; feed: string },
    by: Who,
    o: { audit?: boolean } = {},
  ): Promise<ImportResult> {
    const now = this.o.clock();
    const refused: { line: number; value: string; reason: string }[] = [];
    const entries: HotlistEntry[] = [];
    for (const { line, input } of rows) {
      const made = this.make(input, now, by.actor);
      if (made.ok) entries.push(made.value);
      else refused.push({ line, value: input.value, reason: made.reason });
    }
    for (let i = 0; i < entries.length; i += CHUNK) await this.o.store.save(entries.slice(i, i + CHUNK));
    if (o.audit !== false) await this.auditImport(meta, { stored: entries.length, refused }, by, entries);
    if (entries.length > 0) await this.reload();
    return { stored: entries.length, refused };
  }

  /** One audit record for an import (a sync of many pages writes one at its end): counts, refusals and source. */
  auditImport(
    meta: { source: string; feed: string },
    r: ImportResult & { pages?: number; removed?: readonly HotlistEntry[]; failed?: string | undefined },
    by: Who,
    entries?: readonly HotlistEntry[],
  ): Promise<void> {
    return this.o.audit.record({
      type: 'hotlist.import',
      actor: by.actor,
      ip: by.ip,
      result: r.refused.length === 0 && r.failed === undefined ? 'success' : 'failure',
      details: {
        source: meta.source,
        feed: meta.feed,
        stored: r.stored,
        refused: r.refused.length,
        ...(entries ? { ips: entries.filter((e) => e.kind === 'ip').length, numbers: entries.filter((e) => e.kind === 'number').length } : {}),
        ...(r.pages !== undefined ? { pages: r.pages } : {}),
        ...(r.removed !== undefined ? { removed: r.removed.length, firstRemovals: r.removed.slice(0, 5).map((e) => e.value) } : {}),
        firstRefusals: r.refused.slice(0, 5).map((x) => `line ${x.line}: ${x.reason}`),
        ...(r.failed !== undefined ? { error: r.failed } : {}),
      },
    });
  }

  /**
   * A feed's removals: ends the entries this feed imported (same tenant, kind, value and source: the entry's id), as
   * an operator's removal does (a newer version with removedAt and removedBy), so an entry removed upstream stops
   * refusing calls here. Entries of other sources, operators' and learned ones have other ids and are never touched;
   * a value never imported or already ended changes nothing. The sync's audit record counts them.
   */
  async endImported(
    rows: readonly { line: number; value: string }[],
    from: { tenant: string; kind: HotlistKind; source: string },
    by: Who,
  ): Promise<{ ended: HotlistEntry[]; refused: ImportResult['refused'] }> {
    const now = this.o.clock();
    const refused: { line: number; value: string; reason: string }[] = [];
    const ids = new Set<string>();
    for (const { line, value } of rows) {
      const checked = from.kind === 'ip' ? checkIp(value) : checkNumber(value, this.o.homeCountryCode);
      if (checked.ok) ids.add(entryId(from.tenant, from.kind, checked.value, from.source));
      else refused.push({ line, value, reason: `removed: ${checked.reason}` });
    }
    const wanted = [...ids];
    const ended: HotlistEntry[] = [];
    for (let i = 0; i < wanted.length; i += CHUNK) {
      const found = (await this.o.store.findAll(wanted.slice(i, i + CHUNK))).filter((e) => isActive(e, now));
      const ends = found.map((e): HotlistEntry => ({ ...e, removedAt: now, removedBy: by.actor, version: this.nextVersion(now) }));
      if (ends.length > 0) await this.o.store.save(ends);
      ended.push(...ends);
    }
    if (ended.length > 0) await this.reload();
    return { ended, refused };
  }

  async add(input: HotlistInput, by: Who): Promise<HotlistEntry> {
    const made = this.make(input, this.o.clock(), by.actor);
    if (!made.ok) throw new SentinelaError('REQUEST_INVALID', made.reason, { path: 'value' });
    await this.o.store.save([made.value]);
    await this.audited('hotlist.add', by, made.value, {});
    await this.reload();
    return made.value;
  }

  async remove(id: string, reason: string, by: Who, visible: (e: HotlistEntry) => boolean = () => true): Promise<HotlistEntry> {
    const now = this.o.clock();
    const found = await this.o.store.find(id);
    if (!found || !visible(found)) throw new SentinelaError('NOT_FOUND', `no hotlist entry ${id}`, { path: 'id' });
    if (!isActive(found, now))
      throw new SentinelaError('CONFLICT', `hotlist entry ${id} is already ${found.removedAt === null ? 'expired' : 'removed'}`, { path: 'id' });
    const removed: HotlistEntry = { ...found, removedAt: now, removedBy: by.actor, version: this.nextVersion(now) };
    await this.o.store.save([removed]);
    await this.audited('hotlist.remove', by, removed, { note: reason });
    await this.reload();
    return removed;
  }

  /**
   * A confirmed alert teaches its destination range (issue 16 item 3): the alert's subject when it names one
   * (destPrefix, destination), else the callee prefix its evidence CDRs share. Tenant-scoped, source `alert:<id>`,
   * expiring after 90 days. Undefined when the alert names no number range.
   */
  async learnFromAlert(alert: StoredAlert, evidenceCallees: readonly string[], by: Who): Promise<HotlistEntry | undefined> {
    const range = alertRange(alert, evidenceCallees);
    if (range === undefined) return undefined;
    // a range read off the evidence of an account's or caller's alert may be a broad national one (a scan of
    // unallocated São Paulo numbers shares +5511…): hotlisting it would refuse the tenant's ordinary calls there
    const named = alert.subject.kind === 'destPrefix' || alert.subject.kind === 'destination';
    const home = this.o.homeCountryCode;
    if (!named && home !== undefined && range.startsWith(`+${home}`)) {
      this.o.log?.warn({ alertId: alert.id, range }, 'confirmed alert: a national range from its evidence is not hotlisted');
      return undefined;
    }
    const now = this.o.clock();
    const made = this.make(
      {
        kind: 'number',
        value: range,
        tenant: alert.tenant,
        source: `alert:${alert.id}`,
        category: 'confirmed-attack',
        reason: `confirmed ${alert.rule} alert on ${alert.subject.kind}:${alert.subject.value}`,
        expiresAt: now + LEARNED_TTL_MS,
      },
      now,
      by.actor,
    );
    if (!made.ok) {
      this.o.log?.warn({ alertId: alert.id, range, reason: made.reason }, 'confirmed alert names a range that cannot be hotlisted');
      return undefined;
    }
    await this.o.store.save([made.value]);
    await this.audited('hotlist.learn', by, made.value, { alertId: alert.id, rule: alert.rule });
    await this.reload();
    return made.value;
  }

  private async reload(): Promise<void> {
    await this.o.refresher?.load().catch((err: unknown) => this.o.log?.warn({ err }, 'hotlist reload after a change failed; the periodic one retries'));
  }

  private make(input: HotlistInput, now: number, by: string) {
    return makeEntry(input, { now, by, version: this.nextVersion(now), homeCountryCode: this.o.homeCountryCode });
  }

  /** Versions grow with the clock (µs resolution) and never repeat in one process. */
  private nextVersion(now: number): number {
    this.version = Math.max(this.version + 1, now * 1000);
    return this.version;
  }

  private audited(type: 'hotlist.add' | 'hotlist.remove' | 'hotlist.learn', by: Who, e: HotlistEntry, extra: Record<string, unknown>) {
    return this.o.audit.record({
      type,
      actor: by.actor,
      ip: by.ip,
      result: 'success',
      details: {
        id: e.id,
        tenant: e.tenant === '' ? 'global' : e.tenant,
        kind: e.kind,
        value: e.value,
        source: e.source,
        category: e.category,
        expiresAt: e.expiresAt === null ? 'never' : new Date(e.expiresAt).toISOString(),
        ...extra,
      },
    });
  }
}

/** The destination range an alert names: `destPrefix:+2917`, `destination:+29171234567`, or its evidence callees' shared prefix. */
export function alertRange(alert: Pick<StoredAlert, 'subject'>, evidenceCallees: readonly string[]): string | undefined {
  const { kind, value } = alert.subject;
  if ((kind === 'destPrefix' || kind === 'destination') && /^\+\d{3,15}$/.test(value)) return value;
  const callees = evidenceCallees.filter((c) => /^\+\d{6,15}$/.test(c));
  if (callees.length === 0) return undefined;
  let prefix = callees[0] as string;
  for (const c of callees) while (!c.startsWith(prefix)) prefix = prefix.slice(0, -1);
  // a single callee is its own range; a shared prefix shorter than country + 2 digits is not a range worth listing
  if (callees.length > 1 && prefix.length > (callees[0] as string).length - 4) prefix = prefix.slice(0, (callees[0] as string).length - 4);
  return prefix.length >= 5 ? prefix : undefined;
}
