import type { Block } from '../domain/blocks/block.js';
import { SubjectList } from '../domain/engine/subject-lists.js';
import { formatIpPrefix, parseIpPrefix } from '../domain/lists/ip-prefix.js';

export type EdgeEvent = 'block.created' | 'block.lifted';

/** What the edge does with one push. */
export type EdgeAction =
  | { readonly do: 'add'; readonly address: string; readonly seconds: number }
  | { readonly do: 'delete'; readonly address: string }
  | { readonly do: 'ignore'; readonly why: string; readonly loud?: true };

/**
 * The address of an `ip:` subject as nft should see it, or undefined when it is not one address: `::ffff:a.b.c.d`
 * arrives as IPv4 on the wire, so it goes to the IPv4 set (and meets the allow list as IPv4); IPv6 in its canonical
 * text, so one address has one key. Zone ids (`fe80::1%eth0`) and CIDR blocks are not single addresses.
 */
export function edgeAddress(value: string): string | undefined {
  const text = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value)?.[1] ?? value;
  if (text.includes('/') || text.includes('%')) return undefined;
  const prefix = parseIpPrefix(text);
  return prefix ? formatIpPrefix(prefix) : undefined;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Which block changes reach the firewall, and for how long: blocks of every call (`scope: all`, not throttles) of
 * one IP address, never an allow-listed one. One address may be held by several blocks (two tenants, a rule's block
 * and an operator's): its element lasts as long as the longest, and a lift deletes it only when no other block
 * holds it. This memory starts empty, so after a restart a lift deletes the element whatever else held it.
 * With `tenants`, only those tenants' blocks: an edge in front of one customer's PBX must not drop an address
 * because it attacked another customer (a shared NAT there may be this customer's office).
 */
export class EdgeBlocks {
  private readonly held = new Map<string, Map<string, number>>();
  private readonly allow: SubjectList;
  private prunedAt = -Infinity;
  private readonly tenants: ReadonlySet<string> | undefined;

  constructor(allow: readonly string[], tenants?: readonly string[]) {
    this.allow = new SubjectList({ callers: [], accounts: [], ips: [...allow], destinations: [] });
    this.tenants = tenants && new Set(tenants);
  }

  decide(event: EdgeEvent, b: Block, now: number): EdgeAction {
    this.prune(now);
    if (this.tenants && !this.tenants.has(b.tenant)) return { do: 'ignore', why: `tenant ${b.tenant} is not one this edge serves (--tenants)` };
    if (b.subject.kind !== 'ip') return { do: 'ignore', why: `subject kind ${b.subject.kind}: block-check applies it` };
    // a throttle lets calls through at a rate and an international block lets national calls through: a firewall can only drop everything
    if (b.throttle !== undefined || b.scope !== 'all') return { do: 'ignore', why: `${b.throttle ? 'throttle' : `scope ${b.scope}`}: block-check applies it` };
    const address = edgeAddress(b.subject.value);
    if (address === undefined) return { do: 'ignore', why: `subject ${JSON.stringify(b.subject.value.slice(0, 64))} is not a single IP address`, loud: true };
    if (event === 'block.lifted') {
      this.held.get(address)?.delete(b.id);
      const until = this.until(address, now);
      return until > now ? { do: 'add', address, seconds: (until - now) / 1000 } : { do: 'delete', address };
    }
    if (this.allow.ip(address)) return { do: 'ignore', why: 'allow-listed address: never blocked at the edge', loud: true };
    if (b.expiresAt <= now) return { do: 'ignore', why: 'the block has already expired' };
    const holders = this.held.get(address) ?? new Map<string, number>();
    this.held.set(address, holders.set(b.id, b.expiresAt));
    return { do: 'add', address, seconds: (this.until(address, now) - now) / 1000 };
  }

  /** When the last block holding the address ends (forgetting ended ones); -Infinity when none does. */
  private until(address: string, now: number): number {
    const holders = this.held.get(address);
    let until = -Infinity;
    for (const [id, expiresAt] of holders ?? []) {
      if (expiresAt <= now) holders?.delete(id);
      else until = Math.max(until, expiresAt);
    }
    if (holders?.size === 0) this.held.delete(address);
    return until;
  }

  private prune(now: number): void {
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    for (const address of [...this.held.keys()]) this.until(address, now);
  }
}
