import { hash30 } from '../hash.js';
import { addressBits } from '../lists/ip-prefix.js';

/**
 * The network an address belongs to, as a 30-bit hash: its IPv4 /24 (IPv4-mapped IPv6 included) or IPv6 /48.
 * Phones of one office get addresses of one such network (a NAT pool, per-phone public IPs, an IPv6 site prefix);
 * an account's calls from another network came from somewhere else (usage-book.ts, novelty `accountIp`).
 */
export function networkHash(ip: string): number {
  const dot = ip.lastIndexOf('.');
  if (dot >= 0) return hash30(ip.slice(0, dot));
  const bits = addressBits(ip);
  return bits === undefined ? hash30(ip) : hash30(`6/${(bits.bits >> 80n).toString(16)}`);
}
