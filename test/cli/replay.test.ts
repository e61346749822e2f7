import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { runCli } from '../../src/cli/main.js';
import { decodeCdrJson } from '../../src/domain/cdr/parse.js';
import { createEngine } from '../../src/domain/engine/build.js';
import { verdictJson } from '../../src/domain/engine/verdict-json.js';

const WHOLESALE = 'test/fixtures/canonical/wholesale_irsf_ajamous.ndjson';
const ASTERISK = 'test/fixtures/canonical/asterisk_cdr_custom_kelysaina.ndjson';

async function replay(args: string[], stdin?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['replay', '--quiet', ...args],
    { LOG_LEVEL: 'silent' },
    {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      stdin: () => Readable.from([stdin ?? '']),
    },
  );
  return { code, verdicts: out.map((l) => JSON.parse(l) as Record<string, unknown>), lines: out, err: err.join('\n') };
}

describe('sentinela replay', () => {
  it('flags the wholesale IRSF attack: traffic pumping to Eritrean mobiles (+2917), prefix blocked', async () => {
    const { code, verdicts, err } = await replay([WHOLESALE]);
    assert.equal(code, 0);
    const pumping = verdicts.filter((v) => v['rule'] === 'traffic-pumping' && v['subject'] === 'destPrefix:+2917');
    assert.deepEqual(
      pumping.map((v) => v['kind']),
      ['alert', 'block'],
    );
    assert.equal(pumping[0]?.['severity'], 'critical');
    assert.ok((pumping[0]?.['evidence'] as string[]).length >= 20);
    assert.ok(verdicts.some((v) => v['rule'] === 'premium-destination' && String(v['subject']).startsWith('caller:')));
    assert.match(err, /lines read +1088\n {2}CDRs decoded +1088\n {2}CDRs evaluated +1088\n {2}rejected +0/);
    assert.match(err, /traffic-pumping +alerts 1 +blocks 1 +suppressed \d+/);
  });

  it('writes every verdict with kind, rule, severity, subject, at, evidence (and expiresAt for blocks)', async () => {
    const { verdicts } = await replay([WHOLESALE]);
    for (const v of verdicts) {
      for (const field of ['kind', 'id', 'tenant', 'rule', 'severity', 'subject', 'at', 'evidence']) assert.ok(field in v, `${field} in ${JSON.stringify(v)}`);
      if (v['kind'] === 'block') assert.ok(Date.parse(String(v['expiresAt'])) > Date.parse(String(v['at'])));
    }
  });

  it('replays the canonical Asterisk sample: 14 lab calls between two extensions, nothing to flag', async () => {
    const { code, verdicts, err } = await replay([ASTERISK]);
    assert.equal(code, 0);
    assert.deepEqual(verdicts, []);
    assert.match(err, /CDRs evaluated +14/);
  });

  it('is deterministic: two replays and the stream path (engine.process per CDR) give byte-identical verdicts', async () => {
    const first = await replay([WHOLESALE]);
    const second = await replay(['-'], readFileSync(WHOLESALE, 'utf8'));
    assert.deepEqual(second.lines, first.lines);
    const engine = createEngine(loadRuleFiles('rules'), { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', internationalPrefix: '00' } });
    const streamed: string[] = [];
    for (const line of readFileSync(WHOLESALE, 'utf8').split('\n').filter(Boolean)) {
      const decoded = decodeCdrJson(line);
      assert.ok(decoded.ok);
      // the stream passes wall-clock now; any now after the CDR's start gives the same verdicts
      for (const v of engine.process(decoded.cdr, Date.parse('2026-11-21T12:00:00Z')).verdicts) streamed.push(verdictJson(v));
    }
    assert.deepEqual(streamed, first.lines);
  });

  it('reports a bad line with its number and error and carries on', async () => {
    const good = readFileSync(ASTERISK, 'utf8').split('\n').filter(Boolean);
    const input = [
      good[0],
      '{"id": "x"',
      '',
      good[1],
      '{"id":"y","account":"a","caller":"1","callee":"2","startedAt":"2026-01-01T10:00:00","endedAt":0,"durationSec":0,"billSec":0,"disposition":"ANSWERED"}',
      good[2],
    ].join('\n');
    const { code, err } = await replay([], input);
    assert.equal(code, 0);
    assert.match(err, /^line 2: CDR_NOT_JSON: /m);
    assert.match(err, /^line 5: CDR_INVALID: startedAt: /m);
    assert.match(err, /lines read +6 \(1 blank\)\n {2}CDRs decoded +3\n {2}CDRs evaluated +3\n {2}rejected +2 \(CDR_NOT_JSON 1, CDR_INVALID 1\)/);
  });

  it('takes --tz, --lateness and --rules, and refuses bad values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinela-replay-'));
    writeFileSync(join(dir, 'only.yaml'), readFileSync('rules/velocity.yaml'));
    const { code } = await replay(['--rules', dir, '--tz', 'America/Manaus', '--lateness', '30m', ASTERISK]);
    assert.equal(code, 0);
    assert.match((await replay(['--tz', 'Mars/Base', ASTERISK])).err, /CLI_USAGE: --tz: "Mars\/Base" is not an IANA time zone/);
    assert.equal((await replay(['--lateness', 'soon', ASTERISK])).code, 2);
    const missing = await replay(['/nonexistent.ndjson']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read \/nonexistent\.ndjson/);
  });

  it('--format decodes the raw wholesale CSV through its field mapping: the +2917 pumping is blocked as from the canonical file', async () => {
    // the raw export is newest-first (the canonical fixture is ordered by call end), so lateness handling differs
    const raw = await replay(['--format', 'mapping:wholesale-irsf;tenant=wholesale', 'test/fixtures/formats/wholesale_irsf_cdrs_ajamous_sample.csv']);
    assert.equal(raw.code, 0);
    assert.match(raw.err, /CDRs decoded +1088\n/);
    const pumping = raw.verdicts.filter((v) => v['rule'] === 'traffic-pumping' && v['subject'] === 'destPrefix:+2917');
    assert.deepEqual(
      pumping.map((v) => v['kind']),
      ['alert', 'block'],
    );
  });

  it('--format kamailio-acc correlates INVITE and BYE lines of a file; an unknown format exits 2', async () => {
    const { code, err } = await replay(['--format', 'kamailio-acc', 'test/fixtures/formats/opensips_acc_db_flatstore_with_ack_cgrates.txt']);
    assert.equal(code, 0);
    assert.match(err, /lines read +12\n {2}CDRs decoded +4\n/);
    const bad = await replay(['--format', 'cisco', WHOLESALE]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown format "cisco"/);
  });
});
