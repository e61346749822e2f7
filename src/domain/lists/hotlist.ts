import type { PrefixEntry } from '../engine/prefix-lists.js';
import { isActive, type HotlistEntry } from './hotlist-entry.js';
import { addressBits, maskBits, parseIpPrefix, widthOf } from './ip-prefix.js';

/** One tenant's entries (or the global ones), by prefix length then key, longest lengths first. */
class Shelf {
  readonly numbers = new Map<string, HotlistEntry[]>();
  numberLengths: number[] = [];
  /** Per prefix length, the entries by masked address: IPv4 as a number (no BigInt on the hot path), IPv6 as a bigint. */
  readonly v4 = new Map<number, Map<number, HotlistEntry[]>>();
  readonly v6 = new Map<number, Map<bigint, HotlistEntry[]>>();
  v4Lengths: number[] = [];
  v6Lengths: number[] = [];
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
    if (p.family === 4) {
      let byBits = this.v4.get(p.len);
      if (!byBits) {
        this.v4.set(p.len, (byBits = new Map<number, HotlistEntry[]>()));
        this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
      }
      push(byBits, Number(p.bits), e);
    } else {
      let byBits = this.v6.get(p.len);
      if (!byBits) {
        this.v6.set(p.len, (byBits = new Map<bigint, HotlistEntry[]>()));
        this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
      }
      push(byBits, p.bits, e);
    }
  }

  number(digits: string, now: number): HotlistEntry | undefined {
    for (const n of this.numberLengths) {
      if (n > digits.length) continue;
      const hit = active(this.numbers.get(digits.slice(0, n)), now);
      if (hit) return hit;
    }
    return undefined;
  }

  ipv4(address: number, now: number): HotlistEntry | undefined {
    for (const len of this.v4Lengths) {
      const masked = len === 0 ? 0 : ((address >>> (32 - len)) * 2 ** (32 - len)) >>> 0;
      const hit = active(this.v4.get(len)?.get(masked), now);
      if (hit) return hit;
    }
    return undefined;
  }

  ipv6(bits: bigint, now: number): HotlistEntry | undefined {
    const width = widthOf(6);
    for (const len of this.v6Lengths) {
      const hit = active(this.v6.get(len)?.get(maskBits(bits, len, width)), now);
      if (hit) return hit;
    }
    return undefined;
  }
}

function push<K>(map: Map<K, HotlistEntry[]>, key: K, e: HotlistEntry): void {
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
    const v4 = ipv4Number(address);
    if (v4 !== undefined) {
      const own = tenant === '' ? undefined : this.shelves.get(tenant)?.ipv4(v4, now);
      return longest(own, this.shelves.get('')?.ipv4(v4, now), ipLength);
    }
    const a = addressBits(address);
    if (a?.family !== 6) return undefined;
    const own = tenant === '' ? undefined : this.shelves.get(tenant)?.ipv6(a.bits, now);
    return longest(own, this.shelves.get('')?.ipv6(a.bits, now), ipLength);
  }

  /**
   * Hot number ranges of a tenant (its own and the global ones) in effect at `now`, as prefix-list rows of the
   * list `hotlist` (listing; the engine reads a call's range with `number`, see RangeMarks).
   */
  hotRanges(tenant: string, now: number): PrefixEntry[] {
    const shelves = [this.shelves.get(''), tenant === '' ? undefined : this.shelves.get(tenant)];
    return shelves.flatMap((s) => (s?.ranges ?? []).filter((e) => isActive(e, now)).map(asPrefixEntry));
  }
}

export const HOTLIST_LIST = 'hotlist';

/** A dotted IPv4 address as an unsigned 32-bit number, or undefined for anything else (IPv6, garbage). */
function ipv4Number(address: string): number | undefined {
  let n = 0;
  let parts = 0;
  let octet = -1;
  for (let i = 0; i <= address.length; i++) {
    const c = i === address.length ? 46 : address.charCodeAt(i);
    if (c === 46) {
      if (octet < 0 || octet > 255 || ++parts > 4) return undefined;
      n = n * 256 + octet;
      octet = -1;
    } else if (c >= 48 && c <= 57) octet = (octet < 0 ? 0 : octet * 10) + (c - 48);
    else return undefined;
  }
  return parts === 4 ? n : undefined;
}

function asPrefixEntry(e: HotlistEntry): PrefixEntry {
  return { list: HOTLIST_LIST, prefix: e.value.slice(1), name: e.reason || e.category, category: e.category, source: e.source };
}

/** Where the engine and block-check read the current index; the adapters swap it on a reload (no IO here). */
export class HotlistHolder {
  index: HotlistIndex = HotlistIndex.EMPTY;
}
