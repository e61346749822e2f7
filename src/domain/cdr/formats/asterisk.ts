import { parse as parseCsv } from 'csv-parse/sync';
import { callerIdNumber, channelPeer, defined, digest, extras, failure, payloadText, scalarText, wallClock, wholeSeconds } from './fields.js';
import { jsonObjectDecoder } from './json.js';
import type { Decoded, Decoder, DecoderOptions } from './types.js';

/** Asterisk CDR variables by their cdr.conf names; every exporter format below is mapped onto these. */
type AsteriskRecord = Partial<Record<(typeof CDR_CSV_FIELDS)[number] | 'peeraccount' | 'linkedid' | 'sequence', string>>;

/** cdr/cdr_csv.c build_csv_record; loguniqueid and loguserfield append two columns, newcdrcolumns three more. */
const CDR_CSV_FIELDS = [
  'accountcode',
  'src',
  'dst',
  'dcontext',
  'clid',
  'channel',
  'dstchannel',
  'lastapp',
  'lastdata',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'amaflags',
  'uniqueid',
  'userfield',
] as const;
const NEW_CDR_COLUMNS = ['peeraccount', 'linkedid', 'sequence'] as const;
/** cdr_custom.conf.sample default mapping (clid first, accountcode after amaflags). */
const CDR_CUSTOM_FIELDS = [
  'clid',
  'src',
  'dst',
  'dcontext',
  'channel',
  'dstchannel',
  'lastapp',
  'lastdata',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'amaflags',
  'accountcode',
  'uniqueid',
  'userfield',
  'sequence',
] as const;
/** cdr/cdr_beanstalkd.c JSON keys → CDR variable names. */
const BEANSTALKD_NAMES: Readonly<Record<string, keyof AsteriskRecord>> = {
  AccountCode: 'accountcode',
  Source: 'src',
  Destination: 'dst',
  DestinationContext: 'dcontext',
  CallerID: 'clid',
  Channel: 'channel',
  DestinationChannel: 'dstchannel',
  LastApplication: 'lastapp',
  LastData: 'lastdata',
  StartTime: 'start',
  AnswerTime: 'answer',
  EndTime: 'end',
  Duration: 'duration',
  Billsec: 'billsec',
  Disposition: 'disposition',
  AMAFlags: 'amaflags',
  UniqueID: 'uniqueid',
  UserField: 'userfield',
};
const DISPOSITIONS = new Set(['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'CONGESTION']);

/** Asterisk `cdr_csv` Master.csv: 16, 17, 18 or (newcdrcolumns) 21 columns, no header. */
export function asteriskCsvDecoder(options: DecoderOptions): Decoder {
  return csvDecoder('asterisk-csv', options, (row) => {
    if (row.length < 16 || row.length > 21) return `expected 16-21 columns (cdr_csv), found ${row.length}`;
    const names: readonly string[] = row.length >= 19 ? [...CDR_CSV_FIELDS, ...NEW_CDR_COLUMNS] : CDR_CSV_FIELDS;
    return zip(names, row);
  });
}

/** Asterisk `cdr_custom` with the default mapping of cdr_custom.conf.sample (19 columns). */
export function asteriskCustomDecoder(options: DecoderOptions): Decoder {
  return csvDecoder('asterisk-custom', options, (row) =>
    row.length === CDR_CUSTOM_FIELDS.length
      ? zip(CDR_CUSTOM_FIELDS, row)
      : `expected ${CDR_CUSTOM_FIELDS.length} columns (cdr_custom default mapping), found ${row.length}`,
  );
}

/** Asterisk JSON: cdr_custom `format = json` (CDR variable names) or cdr_beanstalkd (AccountCode, Source, …). */
export function asteriskJsonDecoder(options: DecoderOptions): Decoder {
  return jsonObjectDecoder('asterisk-json', options, (json) => {
    const record: Record<string, string> = {};
    for (const [key, value] of Object.entries(json)) {
      const text = scalarText(value);
      if (text !== undefined) record[BEANSTALKD_NAMES[key] ?? key] = text;
    }
    return toCanonical(record, options);
  });
}

function csvDecoder(format: string, options: DecoderOptions, shape: (row: string[]) => AsteriskRecord | string): Decoder {
  return {
    format,
    decode(payload) {
      const text = payloadText(payload, options);
      if (typeof text !== 'string') return [text];
      let rows: string[][];
      try {
        const parsed: string[][] = parseCsv(text, { relax_column_count: true, skip_empty_lines: true, trim: false });
        rows = parsed;
      } catch (err) {
        return [failure('CDR_INVALID', `not a CSV record: ${(err as Error).message}`)];
      }
      return rows.map((row) => {
        const record = shape(row);
        return typeof record === 'string' ? failure('CDR_INVALID', record) : toCanonical(record, options);
      });
    },
  };
}

/**
 * One Asterisk CDR row → canonical input. Legs: every row keeps its own id (uniqueid + sequence, or a digest of
 * the row), and `callId` = linkedid (newcdrcolumns) or uniqueid groups the legs of one call, so the engine counts
 * a call once however many Dial legs or forks it produced (README "Asterisk legs").
 */
function toCanonical(r: AsteriskRecord, options: DecoderOptions): Decoded {
  const disposition = (r.disposition ?? '').trim().toUpperCase();
  if (!DISPOSITIONS.has(disposition))
    return failure('CDR_INVALID', `disposition ${JSON.stringify(r.disposition ?? '')} is not an Asterisk disposition`, 'disposition');
  const started = wallClock(r.start ?? '', options.timeZone);
  const ended = wallClock(r.end ?? '', options.timeZone);
  if (started === undefined) return failure('CDR_INVALID', `start ${JSON.stringify(r.start ?? '')} is not YYYY-MM-DD HH:MM:SS`, 'start');
  if (ended === undefined) return failure('CDR_INVALID', `end ${JSON.stringify(r.end ?? '')} is not YYYY-MM-DD HH:MM:SS`, 'end');
  const answered = disposition === 'ANSWERED' ? (wallClock(r.answer ?? '', options.timeZone) ?? null) : null;
  const peer = channelPeer(r.channel ?? '');
  const uniqueid = r.uniqueid?.trim();
  const sequence = r.sequence?.trim();
  // the digest covers the CDR variables, not the syntax, so the same row as CSV or JSON gets the same id
  const content = digest(CDR_CSV_FIELDS.map((name) => r[name]?.trim() ?? '').join('\u001f'));
  const id = uniqueid ? (sequence ? `${uniqueid}#${sequence}` : `${uniqueid}#${content}`) : `ast-${content}`;
  return {
    kind: 'cdr',
    input: defined({
      id,
      callId: r.linkedid?.trim() || uniqueid || undefined,
      tenant: options.tenant,
      account: r.accountcode?.trim() || peer || r.src?.trim() || undefined,
      caller: r.src?.trim() || callerIdNumber(r.clid ?? '') || peer,
      callee: r.dst?.trim() || undefined,
      startedAt: started,
      answeredAt: answered,
      endedAt: ended,
      durationSec: wholeSeconds(r.duration),
      billSec: answered === null ? 0 : wholeSeconds(r.billsec),
      disposition,
      extra: extras({
        clid: r.clid,
        dcontext: r.dcontext,
        channel: r.channel,
        dstchannel: r.dstchannel,
        lastapp: r.lastapp,
        lastdata: r.lastdata,
        amaflags: r.amaflags,
        uniqueid,
        linkedid: r.linkedid,
        peeraccount: r.peeraccount,
        sequence,
        userfield: r.userfield,
        billsecReported: answered === null && r.billsec !== '0' ? r.billsec : undefined,
      }),
    }),
  };
}

function zip(names: readonly string[], row: readonly string[]): AsteriskRecord {
  const record: Record<string, string> = {};
  names.forEach((name, i) => {
    if (i < row.length) record[name] = row[i] as string;
  });
  return record;
}
