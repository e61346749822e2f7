import { defined, epochSeconds, extras, failure, payloadText, scalarText } from './fields.js';
import { parseJsonObject } from './json.js';
import type { Decoded, Decoder, DecoderOptions } from './types.js';

/** One accounting record (a SIP transaction) of Kamailio/OpenSIPS `acc`, whatever its backend syntax. */
interface AccRecord {
  method: string;
  callId: string;
  fromTag: string;
  code: number;
  reason: string;
  time: number | undefined;
  caller: string | undefined;
  callee: string | undefined;
  account: string | undefined;
  srcIp: string | undefined;
}

/**
 * db_flatstore column order after the six core acc columns and time: the db_extra of the CGRateS osips_async
 * tutorial (the shipped samples). Other deployments name theirs with `columns=` in the format spec.
 */
export const DEFAULT_FLATSTORE_EXTRA = ['reqtype', 'account', 'destination', 'supplier', 'dialog_id'];
const ALIASES: Readonly<Record<string, keyof AccRecord>> = {
  method: 'method',
  callid: 'callId',
  call_id: 'callId',
  from_tag: 'fromTag',
  sip_code: 'code',
  code: 'code',
  sip_reason: 'reason',
  reason: 'reason',
  time: 'time',
  timestamp: 'time',
  src_user: 'caller',
  account: 'account',
  cgr_account: 'account',
  destination: 'callee',
  cgr_destination: 'callee',
  dst_ouser: 'callee',
  src_ip: 'srcIp',
};

/**
 * Kamailio/OpenSIPS accounting, one transaction per line: db_flatstore (`INVITE|tag|tag|callid|200|OK|time|…`),
 * the syslog backend (`ACC: transaction answered: timestamp=…;method=…`) or acc_json objects. A call is an
 * INVITE plus its BYE: a failed INVITE becomes a CDR at once; an answered one is held until its BYE (so the
 * consumer must not commit past it, see oldestHeld) or until `expire` gives up on the BYE.
 */
export function kamailioAccDecoder(options: DecoderOptions & { readonly columns?: readonly string[] }): Decoder {
  const columns = ['method', 'from_tag', 'to_tag', 'callid', 'sip_code', 'sip_reason', 'time', ...(options.columns ?? DEFAULT_FLATSTORE_EXTRA)];
  const held = new Map<string, { invite: AccRecord; ref: number }>();

  const cdr = (invite: AccRecord, end: AccRecord | undefined, note?: string): Decoded => {
    const start = invite.time as number;
    const answered = invite.code >= 200 && invite.code < 300;
    const endedAt = end?.time !== undefined && end.time >= start ? end.time : start;
    const seconds = Math.round((endedAt - start) / 1000);
    return {
      kind: 'cdr',
      input: defined({
        id: `${invite.callId};${invite.fromTag}`,
        callId: invite.callId,
        tenant: options.tenant,
        account: invite.account ?? invite.caller,
        caller: invite.caller ?? invite.account,
        callee: invite.callee,
        srcIp: invite.srcIp,
        startedAt: start,
        answeredAt: answered ? start : null,
        endedAt,
        durationSec: seconds,
        billSec: answered ? seconds : 0,
        disposition: answered ? 'ANSWERED' : disposition(invite.code, invite.method),
        extra: extras({ sip_code: invite.code, sip_reason: invite.reason, method: invite.method, note }),
      }),
    };
  };

  return {
    format: 'kamailio-acc',
    decode(payload, ref) {
      const text = payloadText(payload, options);
      if (typeof text !== 'string') return [text];
      const out: Decoded[] = [];
      for (const line of text.split(/\r?\n/)) {
        if (line.trim() === '' || line.startsWith('#')) continue;
        const record = parseLine(line.trim(), columns);
        if (typeof record === 'string') {
          out.push(failure('CDR_INVALID', record));
          continue;
        }
        const key = `${record.callId};${record.fromTag}`;
        const pending = held.get(key);
        if (record.method === 'INVITE' || record.method === 'CANCEL') {
          if (record.time === undefined && record.code >= 200 && record.code < 300) held.set(key, { invite: record, ref });
          else if (record.time === undefined) out.push(failure('CDR_INVALID', 'INVITE without a time', 'time'));
          else if (record.method === 'INVITE' && record.code >= 200 && record.code < 300) held.set(key, { invite: record, ref });
          else out.push(cdr(record, undefined));
        } else if (record.method === 'ACK') {
          if (pending && pending.invite.time === undefined) pending.invite.time = record.time; // with_ack: answer time is on the ACK
        } else if (record.method === 'BYE') {
          if (!pending || pending.invite.time === undefined)
            out.push(failure('CDR_INVALID', `BYE for call ${record.callId} without its answered INVITE`, 'callid'));
          else {
            held.delete(key);
            out.push(cdr(pending.invite, record));
          }
        }
        // other methods (re-INVITE answers, OPTIONS, MESSAGE) carry no call of their own
      }
      return out;
    },
    oldestHeld() {
      let oldest: number | undefined;
      for (const { ref } of held.values()) if (oldest === undefined || ref < oldest) oldest = ref;
      return oldest;
    },
    expire(olderThan) {
      const out: Decoded[] = [];
      for (const [key, { invite }] of held) {
        if ((invite.time ?? 0) < olderThan) {
          held.delete(key);
          out.push(
            invite.time === undefined
              ? failure('CDR_INVALID', `answered INVITE ${invite.callId} never got a time (no ACK)`)
              : cdr(invite, undefined, 'no BYE seen: duration unknown'),
          );
        }
      }
      return out;
    },
    drain() {
      return this.expire?.(Infinity) ?? [];
    },
  };
}

function parseLine(line: string, columns: readonly string[]): AccRecord | string {
  const fields: Record<string, string> = {};
  if (line.startsWith('{')) {
    const parsed = parseJsonObject(line);
    if (!parsed.ok) return parsed.failure.kind === 'error' ? parsed.failure.error.message : 'invalid JSON';
    for (const [k, v] of Object.entries(parsed.value)) {
      const text = scalarText(v);
      if (text !== undefined) fields[k] = text;
    }
  } else if (/^ACC:/.test(line) || /(^|;)method=/.test(line)) {
    for (const pair of line.replace(/^ACC:[^:]*:\s*/, '').split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) fields[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
  } else {
    const parts = line.split('|');
    if (parts.length < 7) return `expected at least 7 "|"-separated acc columns, found ${parts.length}`;
    columns.forEach((name, i) => {
      if (parts[i] !== undefined) fields[name] = parts[i];
    });
  }
  const record: Partial<Record<keyof AccRecord, string>> = {};
  for (const [name, value] of Object.entries(fields)) {
    const target = ALIASES[name];
    if (target && value !== '' && record[target] === undefined) record[target] = value;
  }
  const method = record.method?.toUpperCase();
  if (!method) return 'no method';
  if (!record.callId) return 'no callid';
  const code = Number(record.code);
  if (!Number.isInteger(code)) return `sip_code ${JSON.stringify(record.code ?? '')} is not a number`;
  return {
    method,
    callId: record.callId,
    fromTag: record.fromTag ?? '',
    code,
    reason: record.reason ?? '',
    time: epochSeconds(record.time),
    caller: record.caller,
    callee: record.callee,
    account: record.account,
    srcIp: record.srcIp,
  };
}

function disposition(code: number, method: string): 'NO ANSWER' | 'BUSY' | 'CONGESTION' | 'FAILED' {
  if (method === 'CANCEL' || code === 487 || code === 408 || code === 480) return 'NO ANSWER';
  if (code === 486 || code === 600 || code === 603) return 'BUSY';
  if (code === 503) return 'CONGESTION';
  return 'FAILED';
}
