import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadRuleFiles, type RuleFiles } from '../../../src/adapters/files/rule-files.js';
import { RuleReloader } from '../../../src/adapters/files/rule-reload.js';
import { createLogger } from '../../../src/log.js';
import { ruleSetDigest } from '../../../src/security/config-fingerprint.js';

const ruleFile = (warn: number) =>
  `rules:\n  - id: burst-caller\n    description: calls per caller\n    cites: [G1]\n    key: caller\n    measure: { kind: count }\n    window: 10m\n    thresholds: { warn: ${warn} }\n`;

/** Saves like an editor: a temporary file renamed over the old one. */
function save(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, `.${name}.swp`), text);
  renameSync(join(dir, `.${name}.swp`), join(dir, name));
}

/** A reloader over a fresh rules directory; `apply` and the audit records are the test's to watch. */
function reloader(t: TestContext, apply: (next: RuleFiles) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-reloader-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  save(dir, 'burst.yaml', ruleFile(3));
  const audited: { result: string; details: Record<string, unknown> }[] = [];
  const listeners: (() => void)[] = [];
  const r = new RuleReloader({
    initial: loadRuleFiles(dir),
    apply,
    audit: async (result, details) => {
      audited.push({ result, details });
      listeners.splice(0).forEach((l) => l());
    },
    log: createLogger('silent'),
    clock: () => 0,
    debounceMs: 20,
  });
  t.after(() => r.stop());
  /** Resolves once `n` reloads are audited (a watcher's reload comes when it comes: no sleeping). */
  const auditedCount = async (n: number) => {
    const alive = setInterval(() => {}, 1000); // the watchers and the debounce timer do not hold the process (a server's socket does)
    while (audited.length < n) await new Promise<void>((resolve) => listeners.push(resolve));
    clearInterval(alive);
    return audited;
  };
  return { dir, r, audited, auditedCount };
}

describe('RuleReloader (README "Hot reload")', () => {
  it('a saved edit is seen by the directory watcher, applied and audited with the old and new digests', async (t) => {
    const applied: string[] = [];
    const { dir, r, auditedCount } = reloader(t, async (next) => void applied.push(ruleSetDigest(next)));
    const before = r.status.digest;
    r.start();
    save(dir, 'burst.yaml', ruleFile(4));
    const [record] = await auditedCount(1);
    assert.deepEqual(record, {
      result: 'success',
      details: { trigger: 'change', dir, from: before, to: applied[0], rules: 1, error: undefined },
    });
    assert.deepEqual([r.status.result, r.status.digest, r.current.rules[0]?.thresholds.warn], ['accepted', applied[0], 4]);
  });

  it('stop: a reload applying is waited for, one queued behind it is dropped; none applies once stop resolved', async (t) => {
    const applied: number[] = [];
    let applying = () => {};
    const started = new Promise<void>((resolve) => (applying = resolve));
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { dir, r } = reloader(t, async (next) => {
      applied.push(next.rules[0]?.thresholds.warn as number);
      applying();
      await gate;
    });
    save(dir, 'burst.yaml', ruleFile(4));
    const first = r.reload('sighup');
    await started;
    save(dir, 'burst.yaml', ruleFile(5));
    const second = r.reload('sighup');
    let stopped = false;
    const stopping = r.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, 'stop waits for the reload being applied');
    release();
    await stopping;
    assert.deepEqual(applied, [4]);
    assert.deepEqual([(await first).result, (await second).result, r.current.rules[0]?.thresholds.warn], ['accepted', 'accepted', 4]);
    assert.equal((await r.reload('sighup')).digest, r.status.digest);
    assert.deepEqual(applied, [4], 'a reload asked after stop applies nothing');
  });
});
