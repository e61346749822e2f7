import { wallClock } from '../../cdr/formats/fields.js';
import { parseJsonObject } from '../../cdr/formats/json.js';
import type { Decoder, DecoderOptions } from '../../cdr/formats/types.js';
import { LIMITS } from '../../cdr/contract.js';
import type { EventType } from '../event.js';
import { clean, lineDecoder, methodOf, plainIp, portOf, stripAnsi, type LineResult } from './common.js';

/**
 * switch_log.c's header: local wall time (no offset: read in the source's `tz`), since 1.10 the idle CPU
 * (`97.53%`), the level, the file and line. Anything before it is a syslog/journald prefix or mod_logfile's
 * session UUID. The earliest header wins: what follows it is the message, partly written by the sender.
 * `08-03 07:56:53.026292 [WARN] [SOFIA] [sofia_reg.c:4130]` (a yearless variant, fail2ban gh-2193) is read too;
 * its time has no year and is refused by the contract (EVENT_INVALID at `at`).
 */
const HEADER = /^(?:.*?\s)??((?:\d{4}-)?\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?)(?: \d+(?:\.\d+)?%)? \[(\w+)\] (?:\[\w+\] )?\[?[\w.]+\.c:\d+\]? (.*)$/;

type Pattern = readonly [RegExp, EventType | 'skip', (m: RegExpExecArray) => Record<string, unknown>];

/** `1001@pbx.example` → `1001` (the user is everything before the last @: the sender wrote it). */
const userOf = (userAtHost: string | undefined): string | undefined => clean(userAtHost?.replace(/@[^@]*$/, ''), LIMITS.nameLength);

/**
 * sofia_reg.c / sofia.c messages. Each address is the last token of the line, after every sender-written part
 * (`for [user@host]` may contain `] from ip 1.2.3.4`), so it is anchored at the end.
 */
const MESSAGES: readonly Pattern[] = [
  // "Log line added to support Fail2Ban" (log-auth-failures=true): forbidden after a digest was checked
  [
    /^SIP auth failure \((\w+)\) on sofia profile '[^']*' for \[(.*)\] from ip (\S+)$/,
    'auth-failed',
    (m) => ({ method: m[1], user: userOf(m[2]), srcIp: m[3] }),
  ],
  [/^SIP auth challenge \(\w+\) on sofia profile /, 'skip', () => ({})],
  // user-agent-filter / max registrations: no address in the line, nothing to attribute
  [/^SIP auth failure \(REGISTER\) due to /, 'skip', () => ({})],
  [/^Can't find user \[(.*)\] from (\S+)$/, 'unknown-user', (m) => ({ user: userOf(m[1]), srcIp: m[2] })],
  // DEBUG: the request goes on to digest authentication, nothing was refused
  [/^IP \S+ Rejected by acl ".*"\. Falling back to Digest auth\.$/, 'skip', () => ({})],
  // the address is network_ip, or X-AUTH-IP when the sender is in a proxy ACL the operator trusts
  [/^IP (\S+) Rejected by acl ".*"$/, 'acl-denied', (m) => ({ srcIp: m[1] })],
  [/^IP (\S+) Rejected by register acl ".*"$/, 'acl-denied', (m) => ({ srcIp: m[1], method: 'REGISTER' })],
  [/^IP (\S+) Rejected by user acl \[.*\] and no proxy acl present$/, 'acl-denied', (m) => ({ srcIp: m[1] })],
  [
    /^IP\/Port (\S+) (\d+) Rejected by acls and auth-calls-acl-only flag is set, rejecting call$/,
    'acl-denied',
    (m) => ({ srcIp: m[1], srcPort: portOf(m[2]) }),
  ],
  // this address is the X-AUTH-IP header's value: written by the sender, never a source address
  [/^IP \S+ Rejected by user acl (?!\[)/, 'skip', () => ({})],
  [/^IP \S+ Rejected by user acl \[.*\] checking proxy ACLs now$/, 'skip', () => ({})],
];

/** The two lines "Can't find user" continues with (no header of their own; "it's" before 1.10.7). */
const CONTINUATION =
  /^(?:[0-9a-f-]{36} )?(?:You must define a domain called '.*' in your directory and add a user with the id=".*" attribute|and you must configure your device to use the proper domain in it'?s authentication credentials\.)$/;
/** A line about authentication or ACLs that matches no pattern above is a format change: EVENT_UNRECOGNISED. */
const RELEVANT = /\bauth|can't find user|rejected by|\bacl\b/i;

function logLine(input: string, options: DecoderOptions): LineResult {
  const line = stripAnsi(input).trimEnd();
  if (line.trimStart().startsWith('{')) return eslEvent(line);
  if (CONTINUATION.test(line)) return 'skip';
  const header = HEADER.exec(line);
  const message = header?.[3];
  if (header && message !== undefined) {
    for (const [pattern, type, fields] of MESSAGES) {
      const m = pattern.exec(message);
      if (!m) continue;
      if (type === 'skip') return 'skip';
      const { srcIp, method, ...rest } = fields(m);
      const time = header[1] ?? '';
      return {
        ...rest,
        at: wallClock(time, options.timeZone) ?? time,
        type,
        srcIp: typeof srcIp === 'string' ? plainIp(srcIp) : srcIp,
        method: methodOf(typeof method === 'string' ? method : undefined),
      };
    }
  }
  // the rest of freeswitch.log (calls, gateways, media) is not ours; a line naming auth or ACLs should have matched
  return RELEVANT.test(header ? (message ?? '') : line) ? undefined : 'skip';
}

/**
 * An event-socket event as JSON (`event json CUSTOM sofia::register_failure sofia::wrong_call_state`). Its
 * network-ip/network_ip is the socket address sofia saw. Events of other kinds are skipped (the subscription's
 * business); a `{` line that is not a JSON object is unrecognised.
 */
function eslEvent(line: string): LineResult {
  const parsed = parseJsonObject(line);
  if (!parsed.ok) return undefined;
  // header names are case-insensitive in FreeSWITCH (sofia adds `network-ip`, some tools print `Network-Ip`)
  const headers = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed.value)) if (typeof value === 'string') headers.set(key.toLowerCase(), value);
  const v = (key: string): string | undefined => headers.get(key.toLowerCase());
  const micros = v('Event-Date-Timestamp');
  const base = {
    at: micros !== undefined && /^\d{13,17}$/.test(micros) ? Math.floor(Number(micros) / 1000) : micros,
    reporter: clean(v('FreeSWITCH-Hostname'), LIMITS.nameLength),
  };
  switch (v('Event-Subclass') ?? '') {
    case 'sofia::register_failure':
      return {
        ...base,
        type: 'auth-failed',
        srcIp: v('network-ip'),
        srcPort: portOf(v('network-port')),
        user: clean(v('to-user'), LIMITS.nameLength),
        userAgent: clean(v('user-agent'), LIMITS.textLength),
        method: methodOf(v('registration-type')),
      };
    case 'sofia::wrong_call_state':
      // a BYE/CANCEL for a call in the wrong state: what SIPVicious-style scanners leave behind (weak signal)
      return { ...base, type: 'scanner-signature', srcIp: v('network_ip'), srcPort: portOf(v('network_port')), user: clean(v('from_user'), LIMITS.nameLength) };
    default:
      return 'skip';
  }
}

export function freeswitchSecurityDecoder(options: DecoderOptions): Decoder {
  return lineDecoder('freeswitch-security', options, (line) => logLine(line, options));
}
