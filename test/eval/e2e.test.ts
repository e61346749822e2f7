import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { runCli } from '../../src/cli/main.js';
import { EPISODE_TYPES } from '../../src/sim/labels.js';

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { LOG_LEVEL: 'silent' }, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out, err: err.join('\n') };
}

describe('simulate → replay → evaluate', () => {
  it('one small day end to end: every CDR accepted, a scored report whose last line is the JSON summary', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'sentinela-sim-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const dir = join(root, 'run');
    const sim = await cli(['simulate', '--out', dir, '--days', '1', '--seed', '5', '--scale', '0.1', '--rules', 'rules']);
    assert.equal(sim.code, 0, sim.err);
    assert.match(sim.err, /simulate: 1 day from 2026-04-16, seed 5, scale 0.1: [\d,]+ CDRs/);
    assert.match(sim.err, /episodes: velocity-burst 1, /);
    const rules = loadRuleFiles(join(dir, 'rules'));
    assert.ok(Object.keys(rules.profiles.tenants).length === 3, 'the copied rules carry the simulated profiles');
    assert.deepEqual(
      rules.rules.map((r) => r.id),
      loadRuleFiles('rules').rules.map((r) => r.id),
    );

    const replay = await cli(['replay', '--quiet', '--rules', join(dir, 'rules'), join(dir, 'cdrs.ndjson')]);
    assert.equal(replay.code, 0, replay.err);
    const lines = readFileSync(join(dir, 'cdrs.ndjson'), 'utf8').trimEnd().split('\n').length;
    assert.match(replay.err, new RegExp(`CDRs decoded +${lines}\\n`));
    assert.match(replay.err, / rejected +0\n/);
    assert.match(replay.err, /too late \(> 6h\) +0\n/);
    writeFileSync(join(dir, 'verdicts.ndjson'), replay.out.map((l) => `${l}\n`).join(''));

    const evaluation = await cli(['evaluate', dir, join(dir, 'verdicts.ndjson')]);
    assert.equal(evaluation.code, 0, evaluation.err);
    const last = JSON.parse(evaluation.out[evaluation.out.length - 1] as string) as Record<string, unknown>;
    for (const field of [
      'episodes',
      'detected',
      'missed',
      'arrivedAtDetection',
      'legitSubjects',
      'fpBlockedSubjects',
      'fpBlockRate',
      'fpCriticalSubjects',
      'fpCriticalRate',
      'fpByRule',
    ]) {
      assert.ok(field in last, field);
    }
    assert.equal(last['episodes'], EPISODE_TYPES.length);
    assert.ok((last['detected'] as number) >= 5, `the shipped rules catch the classic attacks (${String(last['detected'])})`);
    assert.ok((last['legitSubjects'] as number) > 100);
    assert.match(evaluation.out[0] ?? '', new RegExp(`^episodes: ${EPISODE_TYPES.length}, detected \\d+`));
  });

  it('refuses bad options with exit 2', async () => {
    assert.equal((await cli(['simulate', '--days', '1'])).code, 2);
    const bad = await cli(['simulate', '--out', '/tmp/x', '--scale', 'lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /CLI_USAGE: --scale/);
    assert.equal((await cli(['simulate', '--out', '/tmp/x', '--start', '2026-13-40'])).code, 2);
  });
});
