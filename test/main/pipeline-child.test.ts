import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { ruleSetDigest } from '../../src/security/config-fingerprint.js';

describe('the pipeline child never outlives its parent', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sentinela-orphan-'));
  after(() => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 }));

  it('a parent gone while the child was still loading (disconnected before it listened): the child exits, releasing chDB', async () => {
    const rules = loadRuleFiles('rules');
    const child = fork('src/main/pipeline-child.ts', ['embedded'], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, SENTINELA_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'ignore', 'ignore', 'ipc'],
    });
    child.stdin?.end(JSON.stringify({ sources: rules.sources, digest: ruleSetDigest(rules) }));
    // as a parent that crashed right after the fork: the channel closes before the child's code runs
    child.disconnect();
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(killer);
    assert.equal(signal, null, 'it exited by itself, not killed by the test after 120 s');
    assert.equal(code, 1);
  });
});
