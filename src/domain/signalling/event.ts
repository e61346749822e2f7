import { z } from 'zod';
import type { SentinelaError } from '../../errors.js';
import { contractError, problemOf } from '../cdr/contract-error.js';
import { verdictId } from '../engine/verdicts.js';
import { epochMs, instant, LIMITS, nonEmpty, TENANT_NAME, text, type ContractProblem } from '../cdr/contract.js';

/**
 * The canonical security event (issue 18): what a PBX saw on its signalling before any call exists — a failed
 * REGISTER, a wrong password, an unknown user, an ACL refusal, a flood, a scanner. Decoders of Asterisk, Kamailio and
 * FreeSWITCH reshape their lines into it; it is validated like a CDR and flows through the same pipeline.
 *
 * `srcIp`/`srcPort` are what the PBX observed on the socket (Asterisk RemoteAddress, Kamailio $si/$sp, FreeSWITCH
 * network_ip): never a From, Contact or Via header, which the sender writes (fail2ban#1927 banned the PBX itself).
 */
export const EVENT_TYPES = ['auth-failed', 'registration-failed', 'unknown-user', 'acl-denied', 'flood-sample', 'scanner-signature', 'registered'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Failed registrations (credentials, unknown user, or an address the PBX's ACL refuses): what EV01 and EV02 count. */
export const FAILURE_TYPES: ReadonlySet<EventType> = new Set(['auth-failed', 'registration-failed', 'unknown-user', 'acl-denied']);
export const TRANSPORTS = ['udp', 'tcp', 'tls', 'ws', 'wss', 'sctp'] as const;
export const EVENT_LIMITS = { rawLength: 2048, fingerprintLength: 128, maxCount: 1_000_000 } as const;

const ip = z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 (four decimal octets 0-255) or IPv6 address' });

export const eventShape = z.strictObject({
  /** When the PBX saw it, with an offset (or epoch ms): A12. */
  at: instant,
  tenant: nonEmpty(64).regex(TENANT_NAME, 'letters, digits, dot, underscore and hyphen only').default('default'),
  type: z.enum(EVENT_TYPES, { message: `must be one of ${EVENT_TYPES.join(', ')}` }),
  srcIp: ip,
  srcPort: z.int('must be a whole port number').min(1).max(65535).optional(),
  transport: z.enum(TRANSPORTS, { message: `must be one of ${TRANSPORTS.join(', ')}` }).optional(),
  /** The user name or endpoint the request named (From/To user, the digest's username, the Asterisk AccountID). */
  user: nonEmpty(LIMITS.nameLength).optional(),
  userAgent: text(LIMITS.textLength).optional(),
  method: z
    .string()
    .regex(/^[A-Z]{2,16}$/, 'must be a SIP method such as REGISTER')
    .optional(),
  callId: nonEmpty(LIMITS.idLength).optional(),
  /** flood-sample: what makes two messages identical for EV11 (the PBX's hash of method, R-URI, From, To, Call-ID, CSeq). */
  fingerprint: nonEmpty(EVENT_LIMITS.fingerprintLength).optional(),
  /** How many messages this event stands for (a flood sample summarises many); 1 unless given. */
  count: z.int('must be a whole number').min(1).max(EVENT_LIMITS.maxCount).default(1),
  /** The PBX or SBC that reported it (host name), shown to analysts. */
  reporter: nonEmpty(LIMITS.nameLength).optional(),
  /** The source line as the PBX wrote it: evidence, stored with the event. */
  raw: text(EVENT_LIMITS.rawLength).optional(),
});

export type EventInput = z.input<typeof eventShape>;
export type SecurityEvent = Omit<z.output<typeof eventShape>, 'at'> & { readonly at: number };
export type EventResult = { readonly ok: true; readonly event: SecurityEvent } | { readonly ok: false; readonly error: SentinelaError };

/** Validates a decoded value against the security-event contract. Never throws. */
export function parseEvent(input: unknown): EventResult {
  const result = eventShape.safeParse(input);
  if (!result.success) return invalid(result.error.issues.map((i) => problemOf(i)));
  const at = epochMs(result.data.at);
  if (typeof at === 'string') return invalid([{ path: 'at', message: at }]);
  const event = { ...result.data, at };
  if (event.type === 'flood-sample' && event.fingerprint === undefined) return invalid([{ path: 'fingerprint', message: 'is required for a flood-sample' }]);
  return { ok: true, event };
}

function invalid(problems: readonly ContractProblem[]): EventResult {
  return { ok: false, error: contractError('EVENT_INVALID', problems) };
}

/** Control characters (ANSI colours of a console log, tabs) become spaces, and the line is cut to the contract's length. */
export function rawLine(line: string): string {
  return blankControls(line).slice(0, EVENT_LIMITS.rawLength);
}

/** Control characters become spaces: a sender-controlled value can neither colour a console nor split a log line. */
export const blankControls = (text: string): string => text.replace(/\p{Cc}/gu, ' ');

/**
 * The event's identity, from its content: a re-delivered event (Kafka at-least-once, a retried POST) is counted and
 * stored once. Two failures differ at least in time, port, Call-ID or raw line.
 */
export function eventId(e: SecurityEvent): string {
  const { at, tenant, type, srcIp, srcPort, transport, user, method, callId, fingerprint, count, raw } = e;
  return verdictId([
    'event',
    at,
    tenant,
    type,
    srcIp,
    srcPort ?? '',
    transport ?? '',
    user ?? '',
    method ?? '',
    callId ?? '',
    fingerprint ?? '',
    count,
    raw ?? '',
  ]);
}
