import { SentinelaError } from '../../errors.js';
import { commonShape } from './common-shape.js';
import { cdrShape, checkCdr, type Cdr } from './contract.js';
import { contractError, problemOf } from './contract-error.js';

export type CdrResult = { readonly ok: true; readonly cdr: Cdr } | { readonly ok: false; readonly error: SentinelaError };

export interface JsonLimits {
  /** Largest accepted payload in bytes. */
  readonly maxBytes: number;
  /** Deepest accepted nesting of objects and arrays. */
  readonly maxDepth: number;
}
export const DEFAULT_JSON_LIMITS: JsonLimits = Object.freeze({ maxBytes: 64 * 1024, maxDepth: 8 });

/** Keys that could reach an object's prototype if a later step copied them; refused wherever they appear. */
const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** An unknown field of a CDR: where exporter data belongs. */
const UNKNOWN_HINT = ' (put exporter data in "extra")';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Validates an already-decoded value against the canonical contract. Never throws. `owned`: the value is this
 * call's own (just decoded), and may become the CDR itself.
 */
export function parseCdr(input: unknown, owned = false): CdrResult {
  let validated = commonShape(input, owned);
  if (validated === undefined) {
    const result = cdrShape.safeParse(input);
    if (!result.success)
      return {
        ok: false,
        error: contractError(
          'CDR_INVALID',
          result.error.issues.map((i) => problemOf(i, UNKNOWN_HINT)),
        ),
      };
    validated = result.data;
  }
  const cdr = checkCdr(validated);
  return Array.isArray(cdr) ? { ok: false, error: contractError('CDR_INVALID', cdr) } : { ok: true, cdr };
}

/**
 * Bytes (or text) of one canonical JSON CDR → validated Cdr. Never throws: oversized payloads, invalid UTF-8,
 * malformed JSON, hostile nesting or prototype keys, and contract violations each come back as a typed error.
 */
export function decodeCdrJson(payload: Uint8Array | string, limits: JsonLimits = DEFAULT_JSON_LIMITS): CdrResult {
  const decoded = decodeJsonValue(payload, limits);
  return decoded.ok ? parseCdr(decoded.value, true) : decoded;
}

export type JsonResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SentinelaError };

/** Bytes → a JSON value that is safe to validate: size, UTF-8, syntax, depth and prototype keys checked. */
export function decodeJsonValue(payload: Uint8Array | string, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonResult {
  // a UTF-16 unit is at most 3 UTF-8 bytes: short text needs no byte count (a scan of the whole line)
  const size = typeof payload !== 'string' ? payload.byteLength : payload.length * 3 <= limits.maxBytes ? payload.length : Buffer.byteLength(payload);
  if (size > limits.maxBytes) {
    return fail('CDR_TOO_LARGE', `payload is ${size} bytes, the limit is ${limits.maxBytes}`);
  }
  let text: string;
  if (typeof payload === 'string') {
    text = payload;
  } else {
    try {
      text = utf8.decode(payload);
    } catch {
      return fail('CDR_BAD_ENCODING', 'payload is not valid UTF-8');
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail('CDR_NOT_JSON', `payload is not JSON: ${(err as Error).message}`);
  }
  const hostile = findHostileStructure(value, limits.maxDepth);
  if (hostile) return fail(hostile.code, hostile.message, hostile.path);
  return { ok: true, value };
}

function fail(
  code: 'CDR_TOO_LARGE' | 'CDR_BAD_ENCODING' | 'CDR_NOT_JSON' | 'CDR_TOO_DEEP' | 'CDR_INVALID',
  message: string,
  path?: string,
): { ok: false; error: SentinelaError } {
  return { ok: false, error: new SentinelaError(code, message, path === undefined ? {} : { path }) };
}

/**
 * Iterative walk (no recursion, so no stack overflow on hostile input): depth and prototype-key checks.
 * Only objects and arrays are pushed, so the scalar fields of an ordinary CDR cost no allocation.
 */
function findHostileStructure(root: unknown, maxDepth: number): { code: 'CDR_TOO_DEEP' | 'CDR_INVALID'; message: string; path: string } | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: root, depth: 0, path: '' }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, depth, path } = item;
    if (value === null || typeof value !== 'object') continue; // only the root can be a scalar
    if (depth >= maxDepth) return { code: 'CDR_TOO_DEEP', message: `nesting deeper than ${maxDepth} levels`, path };
    // for…in, not Object.keys: no key array per object (JSON.parse output has no inherited enumerable keys)
    for (const key in value) {
      if (HOSTILE_KEYS.has(key)) return { code: 'CDR_INVALID', message: `key "${key}" is not allowed`, path: pathOf(path, key) };
      const child = (value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1, path: pathOf(path, key) });
    }
  }
  return undefined;
}

function pathOf(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}
