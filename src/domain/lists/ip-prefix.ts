import { isIPv4, isIPv6 } from 'node:net';

/** An IP address or CIDR block as bits: `len` leading bits of `bits` (the rest zero). */
export interface IpPrefix {
  readonly family: 4 | 6;
  readonly bits: bigint;
  readonly len: number;
}

const WIDTH = { 4: 32, 6: 128 } as const;

function v4Bits(address: string): bigint {
  let n = 0n;
  for (const part of address.split('.')) n = (n << 8n) | BigInt(Number(part));
  return n;
}

function v6Bits(address: string): bigint {
  let text = address;
  // an embedded IPv4 tail (::ffff:192.0.2.1) is two 16-bit groups
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = v4Bits(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16));
  return n;
}

/** The address's bits, or undefined when it is not an IPv4 or IPv6 address. */
export function addressBits(address: string): { family: 4 | 6; bits: bigint } | undefined {
  if (isIPv4(address)) return { family: 4, bits: v4Bits(address) };
  if (isIPv6(address)) return { family: 6, bits: v6Bits(address.split('%')[0] ?? '') };
  return undefined;
}

/** `198.51.100.7`, `198.51.100.0/24` or `2001:db8::/32` as a prefix; undefined when malformed. Host bits are cleared. */
export function parseIpPrefix(text: string): IpPrefix | undefined {
  const [address = '', lenText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const a = addressBits(address);
  if (!a) return undefined;
  const width = WIDTH[a.family];
  const len = lenText === undefined ? width : /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if (!(len >= 0 && len <= width)) return undefined;
  return { family: a.family, bits: maskBits(a.bits, len, width), len };
}

export function maskBits(bits: bigint, len: number, width: number): bigint {
  const host = BigInt(width - len);
  return (bits >> host) << host;
}

export function widthOf(family: 4 | 6): number {
  return WIDTH[family];
}

/** Canonical text: `198.51.100.7` for a whole address, `198.51.100.0/24` for a block (IPv6 compressed per RFC 5952). */
export function formatIpPrefix(p: IpPrefix): string {
  const width = WIDTH[p.family];
  const address = p.family === 4 ? formatV4(p.bits) : formatV6(p.bits);
  return p.len === width ? address : `${address}/${p.len}`;
}

function formatV4(bits: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => ((bits >> s) & 0xffn).toString()).join('.');
}

function formatV6(bits: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((bits >> BigInt((7 - i) * 16)) & 0xffffn));
  // the longest run of two or more zero groups becomes ::
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
