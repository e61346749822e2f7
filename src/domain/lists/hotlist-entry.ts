import { isBrazilianEmergency } from '../numbering/brazil.js';
import { verdictId } from '../engine/verdicts.js';
import { formatIpPrefix, parseIpPrefix } from './ip-prefix.js';

/**
 * Shared hotlists (issue 16 item 8; G4, F4): IP addresses or blocks and number ranges known to be bad, imported
 * from a feed (APIBAN, a CSV), typed by an operator, or learned from the tenant's own confirmed attacks.
 */
export type HotlistKind = 'ip' | 'number';
export const HOTLIST_KINDS: readonly HotlistKind[] = ['ip', 'number'];

export interface HotlistEntry {
  /** Deterministic: the same tenant, kind, value and source is the same entry (a re-import renews it). */
  readonly id: string;
  /** '' for a global entry (every tenant). */
  readonly tenant: string;
  readonly kind: HotlistKind;
  /** ip: canonical address or CIDR; number: an E.164 number or prefix as `+digits`. */
  readonly value: string;
  /** Where it came from: `apiban`, `file:x.csv`, `alert:<id>`, `operator:<user>`… */
  readonly source: string;
  readonly category: string;
  readonly reason: string;
  readonly createdAt: number;
  readonly createdBy: string;
  /** Epoch ms; null: never expires. */
  readonly expiresAt: number | null;
  readonly removedAt: number | null;
  readonly removedBy: string;
  /** Row version (ReplacingMergeTree) and the "changes since" cursor. */
  readonly version: number;
}

/** An entry as it arrives (a CSV row, an APIBAN address, an operator's form, a confirmed alert). */
export interface HotlistInput {
  readonly kind: HotlistKind;
  readonly value: string;
  readonly tenant: string;
  readonly source: string;
  readonly category?: string | undefined;
  readonly reason?: string | undefined;
  readonly expiresAt: number | null;
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Emergency and safety numbers a PBX may dial: Brazil's (100, 112, 128, 180-199, 911) and the generic ones. */
const GENERIC_EMERGENCY = ['112', '911', '999', '000', '110', '119'];
const BRAZIL_EMERGENCY = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0')).filter(isBrazilianEmergency);
export const EMERGENCY_NUMBERS: readonly string[] = [...new Set([...BRAZIL_EMERGENCY, ...GENERIC_EMERGENCY])].sort();

/** Narrowest IP blocks a list may name: a /0 would refuse every call. */
const MIN_IP_PREFIX = { 4: 8, 6: 16 } as const;
const TEXT = /^[\w.:@/+=,-]{1,128}$/;

/**
 * A number value as the hotlist keeps it: `+digits` (E.164 number or prefix; `X`, `x` or `*` at the end marks a
 * range and is dropped). Never an emergency number: an entry naming one (190, 112), a prefix of one (19), one
 * written in E.164 of the home country (+55190) or the whole home country (+55) is refused with the reason.
 */
export function checkNumber(raw: string, homeCountryCode = '55'): Checked<string> {
  const text = raw.trim().replace(/[\s\-.()]/g, '');
  const m = /^(\+?)(\d{1,15})[Xx*]*$/.exec(text);
  if (!m?.[2]) return { ok: false, reason: `"${raw}" is not an E.164 number or prefix (+digits, optionally ending in X)` };
  const digits = m[2];
  const plus = m[1] === '+';
  const named = plus
    ? EMERGENCY_NUMBERS.find(
        (e) => digits.startsWith(homeCountryCode + e) || ((homeCountryCode + e).startsWith(digits) && digits.length <= homeCountryCode.length),
      )
    : EMERGENCY_NUMBERS.find((e) => e.startsWith(digits) || digits.startsWith(e));
  if (named !== undefined) return { ok: false, reason: `"${raw}" covers the emergency number ${named}: emergency calls are never blocked` };
  if (digits.startsWith('0')) return { ok: false, reason: `"${raw}": an E.164 number starts with its country code, not 0` };
  return { ok: true, value: `+${digits}` };
}

export function checkIp(raw: string): Checked<string> {
  const p = parseIpPrefix(raw);
  if (!p) return { ok: false, reason: `"${raw}" is not an IPv4 or IPv6 address or CIDR block` };
  if (p.len < MIN_IP_PREFIX[p.family]) return { ok: false, reason: `"${raw}" is too broad (at least /${MIN_IP_PREFIX[p.family]})` };
  return { ok: true, value: formatIpPrefix(p) };
}

export function entryId(tenant: string, kind: HotlistKind, value: string, source: string): string {
  return verdictId(['hotlist', tenant, kind, value, source]).slice(0, 24);
}

/** Validates an input and makes it an entry written at `now` by `by` (version: the caller's next one). */
export function makeEntry(input: HotlistInput, o: { now: number; by: string; version: number; homeCountryCode?: string | undefined }): Checked<HotlistEntry> {
  if (!HOTLIST_KINDS.includes(input.kind)) return { ok: false, reason: `type "${String(input.kind)}": expected ip or number` };
  const value = input.kind === 'ip' ? checkIp(input.value) : checkNumber(input.value, o.homeCountryCode);
  if (!value.ok) return value;
  if (input.tenant !== '' && !/^[A-Za-z0-9_.-]{1,64}$/.test(input.tenant)) return { ok: false, reason: `tenant "${input.tenant}" is not a tenant name` };
  if (!TEXT.test(input.source)) return { ok: false, reason: `source "${input.source}": 1-128 letters, digits or . _ : @ / + = , -` };
  const category = input.category?.trim() || (input.kind === 'ip' ? 'sip-scanner' : 'high-risk-range');
  if (!TEXT.test(category)) return { ok: false, reason: `category "${category}": 1-128 letters, digits or . _ : @ / + = , -` };
  const reason = (input.reason ?? '').trim();
  if (reason.length > 500) return { ok: false, reason: 'reason: at most 500 characters' };
  if (input.expiresAt !== null && !(input.expiresAt > o.now)) return { ok: false, reason: 'expires_at is not in the future' };
  return {
    ok: true,
    value: {
      id: entryId(input.tenant, input.kind, value.value, input.source),
      tenant: input.tenant,
      kind: input.kind,
      value: value.value,
      source: input.source,
      category,
      reason,
      createdAt: o.now,
      createdBy: o.by,
      expiresAt: input.expiresAt,
      removedAt: null,
      removedBy: '',
      version: o.version,
    },
  };
}

/** Whether an entry is in effect at `now` (not removed, not expired). */
export function isActive(e: HotlistEntry, now: number): boolean {
  return e.removedAt === null && (e.expiresAt === null || e.expiresAt > now);
}
