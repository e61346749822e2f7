import { z } from 'zod';
import { CANONICAL_FIELDS, DIRECTIONS, DISPOSITIONS, LIMITS, PRINTABLE, TENANT_NAME, type ValidatedCdr } from './contract.js';

/**
 * The canonical CDR as exporters nearly always send it, checked by hand against exactly what `cdrShape` checks:
 * zod's object parse was a third of decoding a CDR and most of its allocations. Anything this does not recognise
 * (an `extra` map, an IPv6 source, a wrong type, any field failing a check) returns undefined and goes through
 * `cdrShape`, which says what is wrong; so this never accepts what zod refuses, and it returns what zod would
 * (keys in shape order, absent optional fields left out, defaults filled). test/domain/cdr/common-shape.test.ts
 * compares the two on generated CDRs. `owned`: `input` is the caller's to keep (checkCdr then converts its times
 * in place), so one already in shape order is returned itself.
 */
export function commonShape(input: unknown, owned = false): ValidatedCdr | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const o = input as Record<string, unknown>;
  // an unknown key, or a known one present but undefined (a decoder's object, not JSON): zod decides
  let ordered = true;
  let last = -1;
  for (const key in o) {
    const rank = RANK.get(key);
    if (rank === undefined || o[key] === undefined) return undefined;
    ordered &&= rank > last;
    last = rank;
  }
  const { id, callId, tenant, account, caller, callee, srcIp, startedAt, answeredAt, endedAt, durationSec, billSec } = o;
  const { disposition, direction, cost, currency, trunk, userAgent, extra } = o;
  if (extra !== undefined) return undefined;
  if (!printableText(id, LIMITS.idLength, 1) || !(callId === undefined || printableText(callId, LIMITS.idLength, 1))) return undefined;
  if (!(tenant === undefined || (printableText(tenant, 64, 1) && TENANT_NAME.test(tenant)))) return undefined;
  if (!printableText(account, LIMITS.nameLength, 1) || !printableText(caller, LIMITS.numberLength, 1) || !printableText(callee, LIMITS.numberLength, 1))
    return undefined;
  if (!(srcIp === undefined || (typeof srcIp === 'string' && IPV4.test(srcIp)))) return undefined;
  if (!instant(startedAt) || !instant(endedAt) || !(answeredAt === undefined || answeredAt === null || instant(answeredAt))) return undefined;
  if (!seconds(durationSec) || !seconds(billSec)) return undefined;
  if (!DISPOSITION.has(disposition as string) || !(direction === undefined || DIRECTION.has(direction as string))) return undefined;
  if (!(cost === undefined || (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 && cost <= LIMITS.maxCost))) return undefined;
  if (!(currency === undefined || (typeof currency === 'string' && CURRENCY.test(currency)))) return undefined;
  if (!(trunk === undefined || printableText(trunk, LIMITS.nameLength, 0)) || !(userAgent === undefined || printableText(userAgent, LIMITS.textLength, 0)))
    return undefined;
  // the caller's own object (a JSON.parse result) already in shape order with the defaulted fields: it is what zod
  // would return, so it is returned as is, not copied (a copy per CDR was 5 % of the engine's allocation)
  if (owned && ordered && tenant !== undefined && answeredAt !== undefined) return o as ValidatedCdr;
  const out: Record<string, unknown> = { id };
  if (callId !== undefined) out['callId'] = callId;
  out['tenant'] = tenant ?? 'default';
  out['account'] = account;
  out['caller'] = caller;
  out['callee'] = callee;
  if (srcIp !== undefined) out['srcIp'] = srcIp;
  out['startedAt'] = startedAt;
  out['answeredAt'] = answeredAt ?? null;
  out['endedAt'] = endedAt;
  out['durationSec'] = durationSec;
  out['billSec'] = billSec;
  out['disposition'] = disposition;
  if (direction !== undefined) out['direction'] = direction;
  if (cost !== undefined) out['cost'] = cost;
  if (currency !== undefined) out['currency'] = currency;
  if (trunk !== undefined) out['trunk'] = trunk;
  if (userAgent !== undefined) out['userAgent'] = userAgent;
  return out as ValidatedCdr;
}

/** Each known key's place in the shape (`extra` last). */
const RANK: ReadonlyMap<string, number> = new Map([...CANONICAL_FIELDS, 'extra'].map((key, i) => [key, i]));
const DISPOSITION: ReadonlySet<string> = new Set(DISPOSITIONS);
const DIRECTION: ReadonlySet<string> = new Set(DIRECTIONS);
/** The pattern z.ipv4() tests (an IPv6 address takes zod's path). */
const IPV4 = z.regexes.ipv4;
const CURRENCY = /^[A-Z]{3}$/;

/** `printableText(max)` of the contract, and `nonEmpty(max)` when `min` is 1. */
export function printableText(value: unknown, max: number, min: 0 | 1): value is string {
  return typeof value === 'string' && value.length <= max && value.length >= min && PRINTABLE.test(value);
}

/** What zod's `instant` lets through (a string or a number); checkCdr reads it. */
function instant(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

function seconds(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= LIMITS.maxDurationSec;
}
