import { defined, epochSeconds, extras, failure, scalarText, wholeSeconds } from './fields.js';
import { jsonObjectDecoder, pick } from './json.js';
import type { Decoded, Decoder, DecoderOptions } from './types.js';

/** hangup_cause (Q.850 names) → disposition; anything else not answered is FAILED. */
const NOT_ANSWERED: Readonly<Record<string, 'NO ANSWER' | 'BUSY' | 'CONGESTION'>> = {
  NO_ANSWER: 'NO ANSWER',
  NO_USER_RESPONSE: 'NO ANSWER',
  ORIGINATOR_CANCEL: 'NO ANSWER',
  ALLOTTED_TIMEOUT: 'NO ANSWER',
  USER_BUSY: 'BUSY',
  CALL_REJECTED: 'BUSY',
  NORMAL_CIRCUIT_CONGESTION: 'CONGESTION',
  SWITCH_CONGESTION: 'CONGESTION',
  NETWORK_OUT_OF_ORDER: 'CONGESTION',
};

/**
 * FreeSWITCH mod_json_cdr: one JSON document per call leg. Times come from the `*_uepoch`/`*_epoch` variables
 * (UTC instants, no zone guessing); values may be URL-encoded (`encode-values`). Legs: `id` = the leg's uuid and
 * `callId` = originating_leg_uuid (B legs) or the uuid itself, so A and B legs of one call count once.
 */
export function freeswitchJsonDecoder(options: DecoderOptions): Decoder {
  return jsonObjectDecoder('freeswitch-json', options, (doc) => toCanonical(doc, options));
}

function toCanonical(doc: Record<string, unknown>, options: DecoderOptions): Decoded {
  const variables = pick(doc, 'variables');
  if (variables === null || typeof variables !== 'object') return failure('CDR_INVALID', 'no "variables" section: not a mod_json_cdr document', 'variables');
  const flow: unknown = doc['callflow'];
  const callflow: unknown = Array.isArray(flow) ? (flow as unknown[])[0] : flow;
  const v = (name: string): string | undefined => text(pick(variables, name));
  const profile = (name: string): string | undefined => text(pick(callflow, `caller_profile.${name}`));

  const started = micros(v('start_uepoch')) ?? epochSeconds(v('start_epoch'));
  const ended = micros(v('end_uepoch')) ?? epochSeconds(v('end_epoch'));
  if (started === undefined) return failure('CDR_INVALID', 'start_epoch/start_uepoch is missing', 'variables.start_epoch');
  if (ended === undefined) return failure('CDR_INVALID', 'end_epoch/end_uepoch is missing', 'variables.end_epoch');
  const answered = micros(v('answer_uepoch')) ?? epochSeconds(v('answer_epoch')) ?? null;
  const billSec = wholeSeconds(v('billsec')) ?? 0;
  const cause = v('hangup_cause') ?? '';
  const isAnswered = answered !== null && answered >= started;
  const uuid = v('uuid') ?? profile('uuid');
  const direction = v('call_direction') ?? v('direction');
  return {
    kind: 'cdr',
    input: defined({
      id: uuid,
      callId: v('originating_leg_uuid') ?? uuid,
      tenant: options.tenant,
      account: v('accountcode') ?? v('sip_auth_username') ?? v('user_name') ?? profile('username') ?? v('sip_from_user'),
      caller: profile('caller_id_number') ?? v('effective_caller_id_number') ?? v('sip_from_user'),
      callee: profile('destination_number') ?? v('sip_req_user') ?? v('sip_to_user'),
      srcIp: v('sip_network_ip') ?? v('sip_received_ip') ?? profile('network_addr'),
      startedAt: started,
      answeredAt: isAnswered ? answered : null,
      endedAt: ended,
      durationSec: wholeSeconds(v('duration')) ?? Math.round((ended - started) / 1000),
      billSec: isAnswered ? billSec : 0,
      disposition: isAnswered ? 'ANSWERED' : (NOT_ANSWERED[cause] ?? 'FAILED'),
      direction: direction === 'outbound' || direction === 'inbound' ? direction : undefined,
      userAgent: v('sip_user_agent'),
      extra: extras({
        hangup_cause: cause,
        hangup_cause_q850: v('hangup_cause_q850'),
        sip_term_status: v('sip_term_status'),
        sip_hangup_disposition: v('sip_hangup_disposition'),
        sip_call_id: v('sip_call_id'),
        bridge_uuid: v('bridge_uuid'),
        domain_name: v('domain_name'),
        switchname: text(doc['switchname']),
        context: profile('context'),
      }),
    }),
  };
}

/** Scalar → trimmed, URL-decoded text; empty → undefined. */
function text(value: unknown): string | undefined {
  let s = scalarText(value)?.trim();
  if (s === undefined) return undefined;
  if (s.includes('%')) {
    try {
      s = decodeURIComponent(s);
    } catch {
      // not URL-encoded after all: keep as is
    }
  }
  return s === '' ? undefined : s;
}

/** Microseconds since the epoch (text) → ms; "0" (not answered) → undefined. */
function micros(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value) || value === '0') return undefined;
  return Math.round(Number(value) / 1000);
}
