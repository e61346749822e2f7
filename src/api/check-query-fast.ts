import { z } from 'zod';
import { printableText } from '../domain/cdr/common-shape.js';
import { LIMITS, TENANT_NAME } from '../domain/cdr/contract.js';
import type { CheckQuery } from './block-check.js';

const KEYS = new Set(['tenant', 'account', 'caller', 'callee', 'ip', 'callId']);

/**
 * The common block-check query read without zod (issue 19: zod was a few % of every check): a plain object of
 * the known keys with valid strings and an IPv4 address, or nothing, and then zod (`checkQuery`) decides and
 * words the error. Never accepts what zod refuses, never answers differently: test/api/check-query-fast.test.ts
 * proves it on random and hostile inputs. An IPv6 address, a repeated key or anything unusual goes to zod.
 */
export function fastCheckQuery(input: unknown): CheckQuery | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  if (!bare(Object.getPrototypeOf(input) as object | null)) return undefined;
  const q = input as Record<string, unknown>;
  for (const key of Object.keys(q)) if (!KEYS.has(key)) return undefined;
  const { tenant = 'default', account, caller, callee, ip, callId } = q;
  if (typeof tenant !== 'string' || !TENANT_NAME.test(tenant)) return undefined;
  if (!printableText(account, LIMITS.nameLength, 1) || !printableText(caller, LIMITS.numberLength, 1) || !printableText(callee, LIMITS.numberLength, 1))
    return undefined;
  if ('ip' in q && (typeof ip !== 'string' || !z.regexes.ipv4.test(ip))) return undefined;
  if ('callId' in q && (typeof callId !== 'string' || callId.length < 1 || callId.length > LIMITS.textLength)) return undefined;
  return {
    tenant,
    account,
    caller,
    callee,
    ...(typeof ip === 'string' ? { ip } : {}),
    ...(typeof callId === 'string' ? { callId } : {}),
  };
}

/**
 * Nothing inherited: no prototype, Object's, or an empty one without a prototype of its own, which is what
 * fastify's query parser (fast-querystring) gives every query (without it the fast path never ran on a server).
 */
function bare(proto: object | null): boolean {
  return proto === null || proto === Object.prototype || (Object.getPrototypeOf(proto) === null && Reflect.ownKeys(proto).length === 0);
}
