import type { PrefixEntry } from '../engine/prefix-lists.js';
import { isActive, type HotlistEntry } from './hotlist-entry.js';
import { addressBits, maskBits, parseIpPrefix, widthOf } from './ip-prefix.js';

/** One tenant's entries (or the global ones), by prefix length then key, longest lengths first. */
class Shelf {
  readonly numbers = new Map<string, HotlistEntry[]>();
  numberLengths: number[] = [];
  /** Key: `family/len/bits`. */
  readonly ips = new Map<string, HotlistEntry[]>();
  ipLengths: { 4: number[]; 6: number[] } = { 4: [], 6: [] };
  readonly ranges: HotlistEntry[] = [];

  add(e: HotlistEntry): void {
    if (e.kind === 'number') {
      const digits = e.value.slice(1);
      push(this.numbers, digits, e);
      this.ranges.push(e);
      if (!this.numberLengths.includes(digits.length)) this.numberLengths = [...this.numberLengths, digits.length].sort((a, b) => b - a);
      return;
    }
    const p = parseIpPrefix(e.value);
    if (!p) return; // entries are validated before they are stored; a row edited by hand is ignored
    push(this.ips, `${p.family}/${p.len}/${p.bits}`, e);
    const lengths = this.ipLengths[p.family];
    if (!lengths.includes(p.len)) this.ipLengths = { ...this.ipLengths, [p.family]: [...lengths, p.len].sort((a, b) => b - a) };
  }

  number(digits: string, now: number): HotlistEntry | undefined {
    for (const n of this.numberLengths) {
      if (n > digits.length) continue;
      const hit = active(this.numbers.get(digits.slice(0, n)), now);
      if (hit) return hit;
    }
    return undefined;
  }

  ip(family: 4 | 6, bits: bigint, now: number): HotlistEntry | undefined {
    const width = widthOf(family);
    for (const len of this.ipLengths[family]) {
      const hit = active(this.ips.get(`${family}/${len}/${maskBits(bits, len, width)}`), now);
      if (hit) return hit;
    }
    return undefined;
  }
}

function push(map: Map<string, HotlistEntry[]>, key: string, e: HotlistEntry): void {
  const list = map.get(key);
  if (list) list.push(e);
  else map.set(key, [e]);
}

/** The entry of a list that is in effect at `now` and lasts longest (several sources may name one value). */
function active(list: readonly HotlistEntry[] | undefined, now: number): HotlistEntry | undefined {
  let best: HotlistEntry | undefined;
  for (const e of list ?? []) {
    if (!isActive(e, now)) continue;
    if (!best || (best.expiresAt !== null && (e.expiresAt === null || e.expiresAt > best.expiresAt))) best = e;
  }
  return best;
}

const longest = (a: HotlistEntry | undefined, b: HotlistEntry | undefined, length: (e: HotlistEntry) => number) =>
  !a ? b : !b ? a : length(b) > length(a) ? b : a;
const ipLength = (e: HotlistEntry) => parseIpPrefix(e.value)?.len ?? 0;
const numberLength = (e: HotlistEntry) => e.value.length;

/**
 * The hotlists in memory: longest-prefix lookup of a number (E.164) and of an address (CIDR), for one tenant's
 * entries and the global ones. Pure and immutable: `now` comes in (expiry is judged at lookup, so an expired entry
 * stops matching without a reload); a reload builds a new index.
 */
export class HotlistIndex {
  static readonly EMPTY = new HotlistIndex([]);
  private readonly shelves = new Map<string, Shelf>();
  readonly size: number;
  /** Per kind: a call's address is not parsed when no IP is listed (the engine asks on every CDR). */
  private readonly ips: number;
  private readonly numbers: number;

  constructor(entries: readonly HotlistEntry[]) {
    let ips = 0;
    let numbers = 0;
    for (const e of entries) {
      if (e.removedAt !== null) continue;
      let shelf = this.shelves.get(e.tenant);
      if (!shelf) this.shelves.set(e.tenant, (shelf = new Shelf()));
      shelf.add(e);
      if (e.kind === 'ip') ips++;
      else numbers++;
    }
    this.ips = ips;
    this.numbers = numbers;
    this.size = ips + numbers;
  }

  /** The most specific entry in effect naming this number (`+2917…`) for the tenant, or a global one. */
  number(tenant: string, e164: string | null, now: number): HotlistEntry | undefined {
    if (e164 === null || this.numbers === 0) return undefined;
    const digits = e164.startsWith('+') ? e164.slice(1) : e164;
    const own = tenant === '' ? undefined : this.shelves.get(tenant)?.number(digits, now);
    return longest(own, this.shelves.get('')?.number(digits, now), numberLength);
  }

  /** The most specific entry in effect covering this address for the tenant, or a global one. */
  ip(tenant: string, address: string | undefined, now: number): HotlistEntry | undefined {
    if (address === undefined || this.ips === 0) return undefined;
    const a = addressBits(address);
    if (!a) return undefined;
    const own = tenant === '' ? undefined : this.shelves.get(tenant)?.ip(a.family, a.bits, now);
    return longest(own, this.shelves.get('')?.ip(a.family, a.bits, now), ipLength);
  }

  /**
   * Hot number ranges of a tenant (its own and the global ones) in effect at `now`, as prefix-list rows of the
   * list `hotlist` (for `match.lists` and the IRSF test-call rules: the ranges work connects them).
   */
  hotRanges(tenant: string, now: number): PrefixEntry[] {
    const shelves = [this.shelves.get(''), tenant === '' ? undefined : this.shelves.get(tenant)];
    return shelves.flatMap((s) => (s?.ranges ?? []).filter((e) => isActive(e, now)).map(asPrefixEntry));
  }

  /** The number range of a call as a `hotlist` prefix-list hit, or none: what `event.listHits` would carry. */
  prefixHits(tenant: string, e164: string | null, at: number): readonly PrefixEntry[] {
    const hit = this.number(tenant, e164, at);
    return hit ? [asPrefixEntry(hit)] : [];
  }
}

export const HOTLIST_LIST = 'hotlist';

function asPrefixEntry(e: HotlistEntry): PrefixEntry {
  return { list: HOTLIST_LIST, prefix: e.value.slice(1), name: e.reason || e.category, category: e.category, source: e.source };
}

/** Where the engine and block-check read the current index; the adapters swap it on a reload (no IO here). */
export class HotlistHolder {
  index: HotlistIndex = HotlistIndex.EMPTY;
}
