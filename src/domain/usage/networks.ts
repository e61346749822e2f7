import { hash30 } from '../hash.js';
import { addressBits } from '../lists/ip-prefix.js';

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
