import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadRuleFiles } from '../../../../src/adapters/files/rule-files.js';
import { createDecoder, parseFormatSpec, validate, type RecordResult } from '../../../../src/domain/cdr/formats/registry.js';
import type { Cdr } from '../../../../src/domain/cdr/contract.js';

const DIR = 'test/fixtures/formats';
const mappings = loadRuleFiles('rules').mappings;

/** Decodes a whole fixture the way a stream sees it: one record (line) at a time, then drains held records. */
function decodeFile(file: string, spec: string, perLine = true): RecordResult[] {
  const decoder = createDecoder(parseFormatSpec(spec), { timeZone: 'America/Sao_Paulo', mappings });
  const bytes = readFileSync(`${DIR}/${file}`);
  const out: RecordResult[] = [];
  if (!perLine) out.push(...validate(decoder.decode(bytes, 1)));
  else {
    // split the raw bytes on \n so the decoder (not this test) handles the text encoding
    let start = 0;
    let line = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        line++;
        const record = bytes.subarray(start, i);
        if (record.length > 0) out.push(...validate(decoder.decode(record, line)));
        start = i + 1;
      }
    }
  }
  out.push(...validate(decoder.drain?.() ?? []));
  return out;
}
const cdrsOf = (results: RecordResult[]): Cdr[] => results.flatMap((r) => (r.ok && 'cdr' in r ? [r.cdr] : []));
const errorsOf = (results: RecordResult[]) => results.flatMap((r) => (r.ok ? [] : [r.error]));

describe('Asterisk cdr_csv (Master.csv)', () => {
  it('reads the 18-column testsuite file; local times in the configured zone (A12)', () => {
    const cdrs = cdrsOf(decodeFile('cdr_csv_Master_asterisk-testsuite_selftest.csv', 'asterisk-csv;tz=UTC'));
    assert.equal(cdrs.length, 2);
    const [first] = cdrs as [Cdr];
    assert.equal(first.startedAt, Date.UTC(2010, 3, 2, 0, 26, 32));
    assert.equal(first.callee, '1');
    assert.equal(first.caller, 'Console/dsp', 'no src and no clid: the originating device stands in');
    assert.equal(first.disposition, 'ANSWERED');
    assert.equal(first.callId, '1270167992.0');
  });

  it('reads the 21-column newcdrcolumns file in ISO-8859-1: 84 rows, linkedid groups legs', () => {
    const results = decodeFile('cdr_csv_Master_newcdrcolumns_dj-asterisk-cdr.csv', 'asterisk-csv;encoding=latin1');
    const cdrs = cdrsOf(results);
    assert.deepEqual(
      errorsOf(results).map((e) => e.message),
      [],
    );
    assert.equal(cdrs.length, 84);
    const count = (d: string) => cdrs.filter((c) => c.disposition === d).length;
    assert.deepEqual([count('ANSWERED'), count('NO ANSWER'), count('BUSY')], [37, 46, 1]);
    assert.equal(new Set(cdrs.map((c) => c.id)).size, 84, 'every leg keeps its own id');
    assert.ok(cdrs.every((c) => c.callId === c.extra?.['linkedid']));
    // America/Sao_Paulo (UTC-3 in 2024): 15:07:24 local is 18:07:24Z
    assert.equal(cdrs[0]?.startedAt, Date.UTC(2024, 0, 27, 18, 7, 24));
  });

  it('the same file read as UTF-8 is refused with CDR_BAD_ENCODING, never garbled', () => {
    const errors = errorsOf(decodeFile('cdr_csv_Master_newcdrcolumns_dj-asterisk-cdr.csv', 'asterisk-csv'));
    assert.ok(errors.length > 0);
    assert.ok(errors.every((e) => e.code === 'CDR_BAD_ENCODING'));
  });

  it('cdrlib_good: rows that break the contract are refused with the field to blame', () => {
    const results = decodeFile('cdr_csv_asterisk-testsuite_cdrlib_good.csv', 'asterisk-csv;tz=UTC');
    assert.equal(results.length, 5);
    const errors = errorsOf(results);
    assert.deepEqual(
      errors.map((e) => e.details.path),
      ['billSec'],
      'row 2 bills 7 s of a 5 s call',
    );
    const cdrs = cdrsOf(results);
    assert.deepEqual(
      cdrs.map((c) => c.disposition),
      ['ANSWERED', 'FAILED', 'NO ANSWER', 'BUSY'],
    );
    assert.ok(cdrs.slice(1).every((c) => c.answeredAt === null && c.billSec === 0));
    assert.equal(new Set(cdrs.map((c) => c.callId)).size, 1, 'the same uniqueid: legs of one call');
  });
});

describe('Asterisk cdr_custom and JSON', () => {
  it('cdr_custom default mapping: 14 lab calls', () => {
    const cdrs = cdrsOf(decodeFile('cdr_custom_Master_KelySaina.csv', 'asterisk-custom;tz=UTC;tenant=lab'));
    assert.equal(cdrs.length, 14);
    assert.deepEqual([cdrs[0]?.caller, cdrs[0]?.callee, cdrs[0]?.account, cdrs[0]?.tenant], ['client1', '6789', 'PJSIP/client1', 'lab']);
    assert.equal(cdrs[1]?.disposition, 'NO ANSWER');
  });

  it('cdr_custom json and cdr_beanstalkd names decode to the same CDR', () => {
    const decoder = createDecoder(parseFormatSpec('asterisk-json;tz=UTC'), { timeZone: 'UTC', mappings });
    // the record of cdr_custom.conf.sample's JSON example, completed with the fields a real row has
    const custom = {
      clid: '"Alice" <1000>',
      src: '1000',
      dst: '18005551212',
      dcontext: 'default',
      channel: 'PJSIP/1000-00000001',
      start: '2026-03-02 10:00:00',
      answer: '2026-03-02 10:00:05',
      end: '2026-03-02 10:01:05',
      duration: 65,
      billsec: 60,
      disposition: 'ANSWERED',
      accountcode: 'acme',
      uniqueid: '1772445600.1',
    };
    const beanstalkd = {
      AccountCode: 'acme',
      Source: '1000',
      Destination: '18005551212',
      DestinationContext: 'default',
      CallerID: '"Alice" <1000>',
      Channel: 'PJSIP/1000-00000001',
      StartTime: '2026-03-02 10:00:00',
      AnswerTime: '2026-03-02 10:00:05',
      EndTime: '2026-03-02 10:01:05',
      Duration: 65,
      Billsec: 60,
      Disposition: 'ANSWERED',
      UniqueID: '1772445600.1',
    };
    const [a] = cdrsOf(validate(decoder.decode(JSON.stringify(custom), 1)));
    const [b] = cdrsOf(validate(decoder.decode(JSON.stringify(beanstalkd), 2)));
    assert.ok(a && b);
    assert.deepEqual(a, b);
    assert.deepEqual([a.account, a.caller, a.billSec, a.answeredAt], ['acme', '1000', 60, Date.UTC(2026, 2, 2, 10, 0, 5)]);
  });

  it('hostile JSON: prototype keys and deep nesting are refused', () => {
    const decoder = createDecoder(parseFormatSpec('asterisk-json'), { timeZone: 'UTC', mappings });
    const [proto] = validate(decoder.decode('{"src":"1","__proto__":{"admin":true}}', 1));
    assert.equal(proto?.ok === false && proto.error.code, 'CDR_INVALID');
    const [deep] = validate(decoder.decode(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, 2));
    assert.match(deep?.ok === false ? deep.error.message : '', /nesting deeper/);
  });
});

describe('FreeSWITCH mod_json_cdr', () => {
  it('reads both CGRateS samples from their epoch variables', () => {
    const [body] = cdrsOf(decodeFile('json_cdr_cgrates_engine_fscdr_test_body.json', 'freeswitch-json', false));
    assert.ok(body);
    assert.deepEqual([body.caller, body.callee, body.srcIp, body.billSec, body.durationSec], ['1001', '1002', '10.10.10.100', 68, 71]);
    assert.equal(body.startedAt, 1515666344534);
    assert.equal(body.userAgent, 'Jitsi2.10.5550Linux');
    const [agents] = cdrsOf(decodeFile('json_cdr_cgrates_agents_fsevent_test_jsonCdr.json', 'freeswitch-json'));
    assert.deepEqual([agents?.account, agents?.billSec, agents?.disposition, agents?.srcIp], ['1001', 21, 'ANSWERED', '192.168.56.1']);
  });
});

describe('Kamailio/OpenSIPS acc', () => {
  it('db_flatstore: INVITE + BYE become one CDR; the INVITE is held (not committable) until its BYE', () => {
    const decoder = createDecoder(parseFormatSpec('kamailio-acc'), { timeZone: 'UTC', mappings });
    const [invite, bye] = readFileSync(`${DIR}/opensips_acc_db_flatstore_cdrs_cgrates.txt`, 'utf8').split('\n');
    assert.deepEqual(decoder.decode(invite as string, 10), []);
    assert.equal(decoder.oldestHeld?.(), 10);
    const [cdr] = cdrsOf(validate(decoder.decode(bye as string, 11)));
    assert.equal(decoder.oldestHeld?.(), undefined);
    assert.deepEqual([cdr?.caller, cdr?.callee, cdr?.durationSec, cdr?.startedAt], ['1001', '1002', 2, 1436454408000]);
  });

  it('all three flatstore files: 4 answered calls, 7 missed calls with SIP-code dispositions, ACK variant', () => {
    const answered = cdrsOf(decodeFile('opensips_acc_db_flatstore_cdrs_cgrates.txt', 'kamailio-acc'));
    assert.deepEqual(
      answered.map((c) => c.durationSec),
      [2, 4, 4, 2],
    );
    const missed = decodeFile('opensips_acc_db_flatstore_missed_calls_cgrates.txt', 'kamailio-acc');
    assert.deepEqual(
      cdrsOf(missed).map((c) => c.disposition),
      ['NO ANSWER', 'FAILED', 'FAILED', 'FAILED', 'FAILED', 'BUSY', 'NO ANSWER'],
    );
    const withAck = cdrsOf(decodeFile('opensips_acc_db_flatstore_with_ack_cgrates.txt', 'kamailio-acc'));
    assert.deepEqual(
      withAck.map((c) => [c.startedAt, c.durationSec]),
      answered.map((c) => [c.startedAt, c.durationSec]),
    );
  });

  it('syslog backend: src_ip becomes srcIp', () => {
    const [cdr, ...rest] = cdrsOf(decodeFile('kamailio_acc_syslog_documented_examples.txt', 'kamailio-acc'));
    assert.equal(rest.length, 0);
    assert.deepEqual([cdr?.caller, cdr?.callee, cdr?.srcIp, cdr?.durationSec], ['alice', 'carol', '192.168.178.46', 8]);
  });

  it('a BYE without its INVITE is refused with a reason', () => {
    const decoder = createDecoder(parseFormatSpec('kamailio-acc'), { timeZone: 'UTC', mappings });
    const [result] = validate(decoder.decode('BYE|a|b|call-1|200|OK|1436454410|||||1:2', 1));
    assert.match(result?.ok === false ? result.error.message : '', /without its answered INVITE/);
  });
});

describe('field-mapping decoder', () => {
  it('maps the wholesale IRSF export with rules/mappings/wholesale-irsf.yaml: 1088 calls, header skipped', () => {
    const results = decodeFile('wholesale_irsf_cdrs_ajamous_sample.csv', 'mapping:wholesale-irsf;tenant=wholesale');
    assert.deepEqual(errorsOf(results), []);
    const cdrs = cdrsOf(results);
    assert.equal(cdrs.length, 1088);
    const first = cdrs[0] as Cdr;
    assert.deepEqual([first.caller, first.callee, first.account, first.tenant, first.durationSec], ['+16554444101', '+2917125055', 'AcmeInc', 'wholesale', 1]);
    assert.equal(first.startedAt, Date.UTC(2023, 3, 30, 23, 59));
    assert.equal(first.endedAt, first.startedAt + 1000);
    assert.equal(first.extra?.['billedSec'], '1');
    assert.equal(new Set(cdrs.map((c) => c.id)).size, 1088);
  });

  it('a mapped value that does not parse names the field', () => {
    const decoder = createDecoder(parseFormatSpec('mapping:wholesale-irsf'), { timeZone: 'UTC', mappings });
    const [bad] = validate(decoder.decode('AcmeInc,MCI,MCI RT,2917125055,1655,ERITREA,x,1,1,0.1,0.1,0,yesterday,x,x,Normal', 1));
    assert.equal(bad?.ok === false && bad.error.details.path, 'startedAt');
  });

  it('unknown formats and options fail fast', () => {
    assert.throws(() => parseFormatSpec('cisco'), /unknown format "cisco"/);
    assert.throws(() => parseFormatSpec('asterisk-csv;tz=Mars/Base'), /not an IANA time zone/);
    assert.throws(() => createDecoder(parseFormatSpec('mapping:nope'), { timeZone: 'UTC', mappings }), /no field mapping "nope"/);
  });
});
