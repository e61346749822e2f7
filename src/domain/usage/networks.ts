import { hash30 } from '../hash.js';
import { addressBits } from '../lists/ip-prefix.js';
import { FIRST_SITE_CALLERS } from './sites.js';
import { FAMILIAR_AFTER_MS, familiar, remember, type AccountSite } from './subjects.js';

/** How long an account calls before a network it takes up counts as elsewhere on its first day. */
const SETTLED_MS = 2 * 3_600_000;

const MAPPED = /^::ffff:/i;

/**
 * The network an address belongs to, as a 30-bit hash: its IPv4 /24 (an IPv4-mapped IPv6 address, dotted or hex,
 * is its IPv4 address) or IPv6 /48. Phones of one office get addresses of one such network (a NAT pool, per-phone
 * public IPs, an IPv6 site prefix); an account's calls from another network came from somewhere else
 * (usage-book.ts, novelty `accountIp`).
 */
export function networkHash(ip: string): number {
  // per call on an account's first day: the /24's text is hashed in place, no substring
  if (ip.indexOf(':') < 0) return hash30(ip, Math.max(0, ip.lastIndexOf('.')));
  const v4 = ip.replace(MAPPED, '');
  if (v4.indexOf(':') < 0) return hash30(v4, Math.max(0, v4.lastIndexOf('.')));
  const bits = addressBits(ip);
  if (bits === undefined) return hash30(ip);
  if (bits.bits >> 32n === 0xffffn) {
    const a = Number(bits.bits & 0xffffffffn);
    return hash30(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}`);
  }
  return hash30(`6/${(bits.bits >> 80n).toString(16)}`);
}

/**
 * Novelty `accountIp`: the account's calls come from a network it took up within the last day, away from where it
 * began. Familiar accounts; and on an account's first day, a network taken up SETTLED_MS after its first call once
 * the account had a site (FIRST_SITE_CALLERS callers before it): stolen credentials used from elsewhere on the day
 * Sentinela, or the account, starts. One early softphone or a provider's test call is not a site: the office
 * opening after it is not elsewhere. Another address in a network the account already used (a phone of the same
 * office, a NAT pool) is not new. Records the network in `account.nets`.
 */
export function tookUpNetwork(account: AccountSite, ipHash: number, ip: string, t: number): boolean {
  // the network of the address last seen is cached; its `since` is not (a late CDR may lower it)
  const net = account.netOf === ipHash && account.nets.length > 0 ? (account.nets[0] as number) : networkHash(ip);
  account.netOf = ipHash;
  const since = remember(account.nets, net, t);
  if (since <= t - FAMILIAR_AFTER_MS) return false;
  if (familiar(account, t)) return true;
  return since >= account.firstSeen + SETTLED_MS && account.callers.seenBy(since - 1, FIRST_SITE_CALLERS) >= FIRST_SITE_CALLERS;
}
