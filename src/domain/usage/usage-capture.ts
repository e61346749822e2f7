import type { LevelsSnapshot } from './levels.js';
import { MINUTE_MS, typesOf, type AccountSite, type CallerSite, type IpSite, type Subject, type SubjectKind } from './subjects.js';
import { KINDS, mapOf, type AccountRow, type CallerRow, type IpRow, type TaintRow, type UsageMaps, type UsageSnapshot } from './usage-snapshot.js';

interface Rows {
  readonly ips: IpRow[];
  readonly accounts: AccountRow[];
  readonly callers: CallerRow[];
  readonly levels: [string, LevelsSnapshot][];
  readonly tainted: TaintRow[];
  readonly networks: [string, ...number[]][];
}

/**
 * The profiles of the tenants in `through` as they are when the capture begins, taken a slice at a time while
 * calls go on being learned (copy on write): the book hands a subject to `keep` before it changes one not captured
 * yet, and to `exclude` when it creates one (not part of the snapshot). So the snapshot is exactly the state at
 * `through` (a restore replays the calls after it, and levels count calls: a subject captured after learning
 * more would count those twice), while a save of 100k subjects, 0.7-1.3 s in one piece (issue 19), no longer
 * stalls the processor's event loop. Taken in one step (`step(Infinity)`), it is the synchronous snapshot.
 */
export class UsageCapture {
  private readonly out = new Map<string, Rows>();
  /** Subjects captured, or created since the capture began. */
  private readonly done = new Set<Subject>();
  /** `kind` + slot index → the rule id levels are stored under. */
  private readonly ids = new Map<string, string>();
  private readonly pending: Iterator<void>;
  private finished = false;

  constructor(
    private readonly m: UsageMaps,
    private readonly through: ReadonlyMap<string, number>,
    private readonly onDone: () => void = () => {},
  ) {
    for (const tenant of through.keys()) out(this.out, tenant);
    for (const slot of m.slots.values()) this.ids.set(`${slot.kind}${slot.index}`, slot.id);
    this.pending = this.walk();
  }

  /** `s` (of `kind`, under `key`) is about to change: captured first, as it is, if it was not yet. */
  keep(kind: SubjectKind, key: string, s: Subject): void {
    // finished in the middle of a call (the book made room): what changes now is after the snapshot
    if (this.finished || this.done.has(s)) return;
    this.done.add(s);
    this.capture(kind, key, s);
  }

  /** `s` was created after the capture began. */
  exclude(s: Subject): void {
    if (!this.finished) this.done.add(s);
  }

  /** Captures up to `budget` subjects not captured yet; the snapshots once every subject is, else undefined. */
  step(budget: number): UsageSnapshot[] | undefined {
    for (let n = 0; !this.finished && n < budget; n++) {
      if (this.pending.next().done === true) this.finish();
    }
    return this.finished ? [...this.out].map(([tenant, rows]) => ({ version: 1, tenant, through: this.through.get(tenant) as number, ...rows })) : undefined;
  }

  private finish(): void {
    this.finished = true;
    this.done.clear();
    this.onDone();
  }

  /** Every subject once, kind by kind in map order (the rows' order of a snapshot taken in one step). */
  private *walk(): Generator<void> {
    for (const kind of KINDS) {
      for (const [key, s] of mapOf(this.m, kind)) {
        if (this.done.has(s)) continue;
        this.done.add(s);
        this.capture(kind, key, s);
        yield;
      }
    }
  }

  private capture(kind: SubjectKind, k: string, s: Subject): void {
    const rows = this.out.get(k.slice(0, k.indexOf('\u0000')));
    if (!rows) return;
    if (kind === 'ip') {
      const ip = s as IpSite;
      rows.ips.push([k, ip.firstSeen, ip.lastMinute * MINUTE_MS, ip.callers.toJSON(), ip.accounts.toJSON()]);
    } else if (kind === 'account') {
      const a = s as AccountSite;
      const row = [k, a.firstSeen, a.lastMinute * MINUTE_MS, a.callers.toJSON(), [...a.countries], typesOf(a.types), [...a.ips]] as const;
      rows.accounts.push(a.recentCountries ? [...row, [...a.recentCountries]] : row);
      if (a.nets.length > 0) rows.networks.push([k, ...a.nets]);
    } else {
      const c = s as CallerSite;
      rows.callers.push([k, c.firstSeen, c.lastMinute * MINUTE_MS, [...c.ips]]);
    }
    if (s.taintedDay >= 0) rows.tainted.push([kind, k, s.taintedDay]);
    s.levels?.forEach((l, i) => {
      const id = this.ids.get(`${kind}${i}`);
      if (l && id !== undefined) rows.levels.push([`${id}\u0000${k}`, l.toJSON()]);
    });
  }
}

function out(map: Map<string, Rows>, tenant: string): void {
  map.set(tenant, { ips: [], accounts: [], callers: [], levels: [], tainted: [], networks: [] });
}
