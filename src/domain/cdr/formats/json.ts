import { failure, payloadText } from './fields.js';
import type { Decoded, Decoder, DecoderOptions } from './types.js';

const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 16;

/**
 * JSON text → a plain object, refusing what the canonical decoder refuses: non-objects, prototype keys
 * anywhere, nesting deeper than 16 (FreeSWITCH CDRs legitimately nest 5-6 levels).
 */
export function parseJsonObject(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; failure: Decoded } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, failure: failure('CDR_NOT_JSON', `payload is not JSON: ${(err as Error).message}`) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, failure: failure('CDR_INVALID', 'payload must be a JSON object') };
  }
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_DEPTH) return { ok: false, failure: failure('CDR_INVALID', `nesting deeper than ${MAX_DEPTH} levels`) };
    for (const key of Object.keys(node)) {
      if (HOSTILE_KEYS.has(key)) return { ok: false, failure: failure('CDR_INVALID', `key "${key}" is not allowed`, key) };
      stack.push([(node as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** A decoder for exporters that send one JSON object per record: text, hostile-JSON checks, then `toCanonical`. */
export function jsonObjectDecoder(format: string, options: DecoderOptions, toCanonical: (record: Record<string, unknown>) => Decoded): Decoder {
  return {
    format,
    decode(payload) {
      const text = payloadText(payload, options);
      if (typeof text !== 'string') return [text];
      const parsed = parseJsonObject(text);
      return [parsed.ok ? toCanonical(parsed.value) : parsed.failure];
    },
  };
}

/** Reads a dotted path (`variables.sip_from_user`, `callflow.0.caller_profile.caller_id_number`) from parsed JSON. */
export function pick(root: unknown, path: string): unknown {
  let node = root;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Object.hasOwn(node, part) ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}
