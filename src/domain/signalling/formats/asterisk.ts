import type { Decoder, DecoderOptions } from '../../cdr/formats/types.js';
import { LIMITS } from '../../cdr/contract.js';
import type { EventType } from '../event.js';
import { clean, isoOffsetMs, lineDecoder, methodOf, plainIp, portOf, stripAnsi, transportOf, type LineResult } from './common.js';

/**
 * Asterisk security events (main/security_events.c) → event types. The same names arrive as `SecurityEvent="…"`
 * on the `security` logger channel and as `Event: …` on AMI (class security).
 * - RequestBadFormat → scanner-signature: a request Asterisk could not parse says the client is a fuzzer or a
 *   scanner, not that a user's credentials failed (so it must not count for EV01/EV02), and it carries no copy
 *   of the message to fingerprint for EV11 (flood-sample). A weak signal, combined with behaviour by the rules.
 * - SuccessfulAuth → registered: which users authenticate from where (known phones of a site, for the NAT-aware
 *   logic). chan_pjsip raises it for every authenticated request, not only REGISTER.
 * - 'skip': recognised, nothing to report (ChallengeSent precedes every normal authentication).
 * An event name missing here (a newer Asterisk) is EVENT_UNRECOGNISED: loud, never silently dropped.
 */
const TYPES: Readonly<Record<string, EventType | 'skip'>> = {
  InvalidPassword: 'auth-failed',
  ChallengeResponseFailed: 'auth-failed',
  InvalidAccountID: 'unknown-user',
  FailedACL: 'acl-denied',
  RequestBadFormat: 'scanner-signature',
  SuccessfulAuth: 'registered',
  ChallengeSent: 'skip',
  UnexpectedAddress: 'skip',
  InvalidTransport: 'skip',
  AuthMethodNotAllowed: 'skip',
  RequestNotAllowed: 'skip',
  RequestNotSupported: 'skip',
  SessionLimit: 'skip',
  MemoryLimit: 'skip',
  LoadAverageLimit: 'skip',
};

/** The fields of one security event, whichever way it came. */
interface AsteriskFields {
  readonly name: string;
  readonly eventTv?: string | undefined;
  readonly service?: string | undefined;
  readonly accountId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly remote?: string | undefined;
  readonly requestType?: string | undefined;
}

/** `IPV4/UDP/203.0.113.7/5060`, `IPV6/TCP/[2001:db8::7]/5061` (ast_json_ipaddr). */
const ADDRESS = /^IPV[46]\/([A-Z]+)\/([0-9A-Fa-f:.[\]]+)\/(\d{1,5})$/;
const SIP_SERVICES = new Set(['SIP', 'PJSIP']);

function toEvent(f: AsteriskFields): LineResult {
  const type = Object.hasOwn(TYPES, f.name) ? TYPES[f.name] : undefined;
  if (type === undefined || type === 'skip') return type;
  const remote = ADDRESS.exec(f.remote ?? '');
  const sip = f.service !== undefined && SIP_SERVICES.has(f.service);
  const tv = f.eventTv ?? '';
  const legacyTv = /^(\d{9,11})-(\d{1,6})$/.exec(tv); // Asterisk 1.8/11: seconds-microseconds
  const user = clean(f.accountId, LIMITS.nameLength);
  return {
    at: isoOffsetMs(tv) ?? (legacyTv ? Number(legacyTv[1]) * 1000 + Math.floor(Number((legacyTv[2] ?? '').padEnd(6, '0')) / 1000) : tv),
    type,
    srcIp: remote ? plainIp(remote[2] ?? '') : undefined,
    srcPort: portOf(remote?.[3]),
    transport: transportOf(remote?.[1]),
    // chan_pjsip's <unknown>: the request named no endpoint it knows
    user: user === '<unknown>' ? undefined : user,
    // chan_pjsip's SessionID is the Call-ID; chan_sip's is a pointer (0x7f…), meaningless outside the process
    callId: f.service === 'PJSIP' ? clean(f.sessionId, LIMITS.idLength) : undefined,
    method: sip ? methodOf(f.requestType) : undefined,
  };
}

/** The fixed head Asterisk writes first; its values come from Asterisk itself, never from the sender. */
const HEAD = /SecurityEvent="(\w+)",EventTV="([^"]*)",Severity="\w*",Service="([^"]*)",EventVersion="\d+"/y;
/**
 * LocalAddress and RemoteAddress, always adjacent (every event's required IEs), strictly shaped, after a closing
 * quote (looked behind, so two pairs in a row are both found) and followed by another field or the end of the line.
 */
const PAIR = /(?<="),LocalAddress="IPV[46]\/[A-Z]+\/[0-9A-Fa-f:.[\]]+\/\d{1,5}",RemoteAddress="(IPV[46]\/[A-Z]+\/[0-9A-Fa-f:.[\]]+\/\d{1,5})"(?=,\w+="|$)/g;
const TAIL_FIELD = /,(\w+)="([^"]*)"/g;
/** The line Asterisk writes when it opens a log file. */
const LOG_OPENED = /^\[[^\]]*\] Asterisk \S+ built by /;

/**
 * One line of the `security` logger channel (logger.conf `security => security`), any prefix (Asterisk's
 * `[date] SECURITY[pid] res_security_log.c:`, syslog's) before `SecurityEvent=`.
 *
 * res_security_log writes `Key="value"` without escaping ("\todo Escape quotes"), and a sender chooses the
 * AccountID (user name) and, with chan_pjsip, the SessionID (its Call-ID): a Call-ID of
 * `x",LocalAddress="…",RemoteAddress="IPV4/UDP/<victim>/5060` plants a second address before the real one
 * (fail2ban's test log has exactly this). Both come before LocalAddress, so the real address is the LAST
 * well-formed LocalAddress/RemoteAddress pair. The fields after it are Asterisk's or digest values that cannot
 * hold both a quote and a comma (chan_sip ends an unquoted digest value at the first comma; pjsip keeps the
 * inner quotes of a quoted one escaped), so they cannot fake a later pair.
 */
function securityLogLine(input: string): LineResult {
  const line = stripAnsi(input).trim();
  const at = line.indexOf('SecurityEvent="');
  if (at < 0) return LOG_OPENED.test(line) ? 'skip' : undefined;
  if (line.slice(0, at).includes('"')) return undefined; // SecurityEvent= inside some other quoted text
  HEAD.lastIndex = at;
  const head = HEAD.exec(line);
  if (!head) return undefined;
  const headEnd = HEAD.lastIndex;
  let pair: RegExpExecArray | undefined;
  for (const m of line.matchAll(PAIR)) if (m.index >= headEnd) pair = m;
  const [, name = '', eventTv, service] = head;
  if (!pair) return toEvent({ name, eventTv, service }); // the contract then says srcIp is missing
  // `,AccountID="…",SessionID="…"` (RequestBadFormat: SessionID only, its AccountID comes after the addresses)
  const middle = line.slice(headEnd, pair.index);
  const account = /^,AccountID="([\s\S]*?)",SessionID="/.exec(middle);
  const sessionFrom = account ? account[0].length : middle.startsWith(',SessionID="') ? ',SessionID="'.length : -1;
  const tail: Record<string, string> = {};
  for (const [, key = '', value = ''] of line.slice(pair.index + pair[0].length).matchAll(TAIL_FIELD)) tail[key] ??= value;
  return toEvent({
    name,
    eventTv,
    service,
    accountId: account?.[1] ?? tail['AccountID'],
    sessionId: sessionFrom >= 0 ? middle.slice(sessionFrom, -1) : undefined,
    remote: pair[1],
    requestType: tail['RequestType'],
  });
}

export function asteriskSecurityDecoder(options: DecoderOptions): Decoder {
  return lineDecoder('asterisk-security', options, securityLogLine);
}

/** AMI blocks are separated by an empty line. */
const BLOCKS = (text: string): string[] => text.split(/\r?\n[ \t]*\r?\n/);

/**
 * One AMI event block (`Key: Value` lines, as a manager with `read = security` receives them). Each value is on its
 * own line and a SIP field cannot hold a line break, so nothing a sender writes can add a key. Action responses
 * (`Response: Success` to the login) and FullyBooted (sent to every new session) are skipped.
 */
function amiBlock(block: string): LineResult {
  const fields: Record<string, string> = {};
  for (const line of stripAnsi(block).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    if (!Object.hasOwn(fields, key)) fields[key] = line.slice(colon + 1).trim();
  }
  const name = fields['Event'];
  if (name === undefined) return fields['Response'] !== undefined ? 'skip' : undefined;
  if (name === 'FullyBooted') return 'skip';
  return toEvent({
    name,
    eventTv: fields['EventTV'],
    service: fields['Service'],
    accountId: fields['AccountID'],
    sessionId: fields['SessionID'],
    remote: fields['RemoteAddress'],
    requestType: fields['RequestType'],
  });
}

export function asteriskAmiDecoder(options: DecoderOptions): Decoder {
  return lineDecoder('asterisk-ami', options, amiBlock, BLOCKS);
}
