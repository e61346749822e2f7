import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/main.js';

// the wholesale IRSF sample (test/fixtures/canonical, from ../shared/data/datasets): traffic pumping to +2917
const WHOLESALE = 'test/fixtures/canonical/wholesale_irsf_ajamous.ndjson';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['replay', '--quiet', ...args],
    { LOG_LEVEL: 'silent' },
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stdin: () => Readable.from(['']) },
  );
  return { code, out, err: err.join('\n') };
}

/** A copy of the shipped rules with `edit` applied to one file's text. */
function editedRules(file: string, edit: (text: string) => string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sentinela-compare-')), 'rules');
  cpSync('rules', dir, { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
  return dir;
}

describe('sentinela replay --compare (issue 17 item 5: what a rule change would do)', () => {
  it('the same rules: nothing appears, disappears or changes', async () => {
    const r = await cli(['--compare', 'rules', WHOLESALE]);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out.at(-1) as string) as { compare: { appears: number; disappears: number; changes: number; unchanged: number } };
    assert.deepEqual([summary.compare.appears, summary.compare.disappears, summary.compare.changes], [0, 0, 0]);
    assert.ok(summary.compare.unchanged > 0);
  });

  it('traffic pumping switched off: its prefix block disappears, and what that lets other rules see is listed per rule', async () => {
    const off = editedRules('traffic-pumping.yaml', (t) => t.replace(/(- id: traffic-pumping\n(?:.*\n)*?\s+enabled: )true/, '$1false'));
    const r = await cli(['--compare', off, WHOLESALE]);
    assert.equal(r.code, 0, r.err);
    const line = r.out.find((l) => l.startsWith('disappears') && l.includes('traffic-pumping') && l.includes('destPrefix:+2917'));
    assert.ok(line, r.out.join('\n'));
    assert.match(line, /0w 1c 1b +0w 0c 0b$/);
    const summary = JSON.parse(r.out.at(-1) as string) as { compare: { byRule: Record<string, { disappears: number }> } };
    assert.ok((summary.compare.byRule['traffic-pumping']?.disappears ?? 0) >= 1);
    assert.match(r.err, /^replay summary, A: \.\/rules\n {2}lines read +1088/m);
    assert.match(r.err, /^replay summary, B: \/tmp\/.*\n {2}lines read +1088/m);
  });

  it('needs a FILE (the CDRs are read twice), and refuses an invalid rule set before reading any', async () => {
    const r = await cli(['--compare', 'rules']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--compare needs a FILE/);
    const bad = editedRules('traffic-pumping.yaml', (t) => t.replace('- id: traffic-pumping', '- id: traffic-pumping\n    windoww: 5m'));
    const refused = await cli(['--compare', bad, WHOLESALE]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /RULES_INVALID/);
    assert.deepEqual(refused.out, []);
  });
});
