import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { SentinelaError } from '../../src/errors.js';
import { CdrIndex, parseLabels, parseVerdictLine } from '../../src/eval/inputs.js';

async function cli(argv: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { LOG_LEVEL: 'silent' }, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stdin: () => Readable.from([stdin]) });
  return { code, out, err: err.join('\n') };
}

const LABELS = {
  version: 1,
  seed: 1,
  days: 1,
  start: '2026-04-16T00:00:00-03:00',
  end: '2026-04-17T00:00:00-03:00',
  timeZone: 'America/Sao_Paulo',
  population: {},
  episodes: [
    {
      id: 'ep-001',
      type: 'premium-rate',
      description: 'two 0900 calls',
      tenant: 'acme',
      startsAt: '2026-04-16T22:10:00-03:00',
      endsAt: '2026-04-16T22:25:00-03:00',
      acceptable: [{ kind: 'caller', value: '2001' }],
      cdrIds: ['a1', 'a2'],
    },
  ],
  legitimate: [],
};

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'sentinela-eval-'));
  made.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const expectInput = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof SentinelaError && e.code === 'EVAL_INPUT' && pattern.test(e.message));

describe('evaluate: inputs', () => {
  it('reads the verdict lines replay writes (alerts and blocks), and refuses what is not one', () => {
    const block =
      '{"kind":"block","id":"3","tenant":"acme","rule":"premium-destination","severity":"critical","subject":"caller:2001","at":"2026-03-03T01:20:00.000Z","startsAt":"2026-03-03T01:20:00.000Z","expiresAt":"2026-03-03T02:20:00.000Z","level":1,"scope":"all","reason":"r","evidence":["a1","a2"]}';
    const v = parseVerdictLine(block, 4);
    assert.deepEqual(v?.subject, { kind: 'caller', value: '2001' });
    assert.equal(v?.at, Date.parse('2026-03-03T01:20:00Z'));
    assert.deepEqual(v?.evidence, ['a1', 'a2']);
    assert.equal(parseVerdictLine('  ', 5), null);
    expectInput(() => parseVerdictLine('not json', 6), /line 6: not JSON/);
    expectInput(() => parseVerdictLine('{"kind":"alert","tenant":"a","rule":"r","subject":"nocolon","at":"2026-03-03T01:20:00Z"}', 7), /line 7: .*subject/);
  });

  it('validates labels.json with its schema, naming the field', () => {
    assert.equal(parseLabels(JSON.stringify(LABELS)).episodes[0]?.id, 'ep-001');
    expectInput(() => parseLabels('{'), /not JSON/);
    expectInput(() => parseLabels(JSON.stringify({ ...LABELS, episodes: [{ ...LABELS.episodes[0], acceptable: [] }] })), /episodes\.0\.acceptable/);
    expectInput(() => parseLabels(JSON.stringify({ ...LABELS, version: 2 })), /version/);
  });

  it('indexes CDR ids by their line (arrival) and keeps the first delivery of a repeated id', () => {
    const index = new CdrIndex();
    for (const line of ['{"id":"a","cost":1}', '', '{"id":"b"}', '{"id":"a","cost":9}']) index.add(line);
    assert.deepEqual(index.get('a'), { index: 0, cost: 1, outbound: true });
    assert.deepEqual(index.get('b'), { index: 2, cost: 0, outbound: true });
    expectInput(() => index.add('{"cost":1}'), /line 5: a CDR without an id/);
  });
});

describe('sentinela evaluate', () => {
  const cdrs = '{"id":"a1","cost":3}\n{"id":"x","cost":0}\n{"id":"a2","cost":4}\n';
  const verdict =
    '{"kind":"alert","tenant":"acme","rule":"premium-destination","severity":"critical","subject":"caller:2001","at":"2026-04-17T01:10:00.000Z","evidence":["a1"]}';

  it('scores a verdict file: a report and a JSON last line', async () => {
    const d = dir({ 'labels.json': JSON.stringify(LABELS), 'cdrs.ndjson': cdrs, 'v.ndjson': `${verdict}\n` });
    const { code, out } = await cli(['evaluate', d, join(d, 'v.ndjson')]);
    assert.equal(code, 0);
    const last = JSON.parse(out[out.length - 1] as string) as Record<string, unknown>;
    assert.equal(last['detected'], 1);
    assert.deepEqual(last['arrivedAtDetection'], { median: 1, p90: 1, max: 1 });
    const stdin = await cli(['evaluate', d, '-'], `${verdict}\n`);
    assert.deepEqual(stdin.out, out);
  });

  it('bad input: a clear EVAL_INPUT error and exit 1, never a stack trace', async () => {
    const good = { 'labels.json': JSON.stringify(LABELS), 'cdrs.ndjson': cdrs };
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'cdrs.ndjson': cdrs, 'v.ndjson': '' }, /EVAL_INPUT: cannot read .*labels\.json/],
      [{ ...good, 'labels.json': '{"version":1}' }, /EVAL_INPUT: .*labels\.json: not valid labels/],
      [{ 'labels.json': JSON.stringify(LABELS), 'v.ndjson': '' }, /EVAL_INPUT: cannot read .*cdrs\.ndjson/],
      [{ ...good, 'v.ndjson': `${verdict}\nnot json\n` }, /EVAL_INPUT: .*v\.ndjson line 2: not JSON/],
      [{ ...good, 'cdrs.ndjson': '{"id":"a1"}\n', 'v.ndjson': '' }, /EVAL_INPUT: .*1 episode CDR ids are not in/],
    ];
    for (const [files, pattern] of cases) {
      const d = dir(files);
      const { code, err } = await cli(['evaluate', d, join(d, 'v.ndjson')]);
      assert.equal(code, 1, err);
      assert.match(err, pattern);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    }
    const missing = await cli(['evaluate', dir(good), '/nonexistent/v.ndjson']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /EVAL_INPUT: cannot read \/nonexistent\/v\.ndjson/);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await cli(['evaluate'])).code, 2);
    assert.equal((await cli(['evaluate', 'a', 'b', 'c'])).code, 2);
    const lateness = await cli(['evaluate', '--lateness', 'soon', 'a', 'b']);
    assert.equal(lateness.code, 2);
    assert.match(lateness.err, /CLI_USAGE: --lateness/);
  });
});
