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
