/** 32-bit FNV-1a of `text`, or of its first `length` characters (no substring allocated). */
export function hash32(text: string, length = text.length): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
const HASH_MASK = 0x3fffffff;
/**
 * FNV-1a cut to 30 bits: sites remember callers and accounts by hash, a few bytes each instead of a string, and a
 * 30-bit number is a small integer to V8 (no heap number per map entry).
 */
export const hash30 = (text: string, length = text.length): number => hash32(text, length) & HASH_MASK;
/** A hash stored by an older version (full 32 bits) as hash30 gives it today. */
export const asHash30 = (stored: number): number => stored & HASH_MASK;

/** A 64-bit hash as two 32-bit halves; `hash64` returns one shared object: read it before the next call. */
export interface Hash64 {
  hi: number;
  lo: number;
}
const scratch: Hash64 = { hi: 0, lo: 0 };

/**
 * Two independent 32-bit hashes (FNV-1a and a Murmur-style mix) of `a` NUL `b` (NUL `c`), read in place: no key
 * string is built. Never 0/0, which open-addressing tables of typed arrays use for an empty slot.
 */
export function hash64(a: string, b: string, c?: string): Hash64 {
  let f = 0x811c9dc5;
  let m = 0x9747b28c;
  for (let part = 0; part < 3; part++) {
    const text = part === 0 ? a : part === 1 ? b : c;
    if (text === undefined) break;
    if (part > 0) {
      // the NUL between parts
      f = Math.imul(f, 0x01000193);
      m = Math.imul(m, 0x5bd1e995);
      m ^= m >>> 15;
    }
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      f = Math.imul(f ^ ch, 0x01000193);
      m = Math.imul(m ^ ch, 0x5bd1e995);
      m ^= m >>> 15;
    }
  }
  scratch.hi = fmix(m) >>> 0;
  scratch.lo = fmix(f) >>> 0;
  if (scratch.hi === 0 && scratch.lo === 0) scratch.lo = 1;
  return scratch;
}

/** MurmurHash3's finaliser: every input bit reaches the low bits a table indexes by. */
export function fmix(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
