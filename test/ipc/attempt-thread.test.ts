import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { attemptCdr } from '../../src/api/block-check.js';
import { engineConfig, parseConfig } from '../../src/config/config.js';
import type { Cdr } from '../../src/domain/cdr/contract.js';
import type { Verdict } from '../../src/domain/engine/verdicts.js';
import { AttemptThread } from '../../src/ipc/attempt-thread.js';
import { ATTEMPT_ENGINE, engineFactory } from '../../src/main/parts.js';
import { testRules } from '../processor/rig.js';

const NOW = Date.parse('2026-03-10T14:00:00Z');

/** A burst of block-checks as BlockCheckService hands them over: 2 s apart, distinct numbers, two callers. */
function burst(n: number): { cdr: Cdr; now: number }[] {
  return Array.from({ length: n }, (_, i) => {
    const now = NOW + i * 2_000;
    const caller = i % 3 === 0 ? '+551130007777' : '+551130008888';
    return {
      now,
      cdr: attemptCdr({ tenant: 'acme', account: 'sales', caller, callee: `+55114000${String(2000 + i)}`, ip: '192.0.2.88' }, `attempt-${i}`, now),
    };
  });
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('AttemptThread: the attempt rules on a thread of their own', () => {
  it('is handed only the settings the engine reads: no secret of the configuration is copied to the thread', () => {
    const secrets = ['an-audit-key-of-at-least-32-characters!!', 'a-clickhouse-password'];
    const config = parseConfig({ SENTINELA_AUDIT_KEY: secrets[0], CLICKHOUSE_URL: 'http://clickhouse:8123', CLICKHOUSE_PASSWORD: secrets[1] });
    assert.ok(
      secrets.every((s) => JSON.stringify(config).includes(s)),
      'the configuration holds them',
    );
    const handed = engineConfig(config);
    assert.deepEqual(Object.keys(handed).sort(), ['dialling', 'rules']);
    assert.deepEqual(Object.keys(handed.rules).sort(), ['allowedLatenessMs', 'maxUsageSubjects']);
    assert.ok(secrets.every((s) => !JSON.stringify(handed).includes(s)));
    assert.deepEqual(handed.dialling, config.dialling);
  });

  it('hands back exactly the verdicts the same engine gives in process, in order, with their attempt time', async () => {
    const config = parseConfig({});
    const ruleFiles = testRules();
    const inProcess = engineFactory(config, ruleFiles, ATTEMPT_ENGINE)();
    const attempts = burst(40);
    const expected = attempts.flatMap(({ cdr, now }) => inProcess.process(cdr, now).verdicts.map((v) => `${v.id}@${now}`));
    assert.ok(expected.length >= 2, 'the burst crosses the attempt rules');

    const got: string[] = [];
    const thread = new AttemptThread({
      config,
      ruleFiles,
      log: capture().log,
      deliver: (vs: readonly Verdict[], now) => got.push(...vs.map((v) => `${v.id}@${now}`)),
    });
    try {
      // handed over across several event-loop turns, as checks arrive
      for (const [i, { cdr, now }] of attempts.entries()) {
        thread.count(cdr, now);
        if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await thread.settled();
      assert.deepEqual(got, expected);
      assert.equal(thread.uncounted, 0);
    } finally {
      await thread.close();
    }
  });

  it('puts reloaded rules in force: without attempt rules the same burst is counted and blocks nothing', async () => {
    const config = parseConfig({});
    const ruleFiles = testRules();
    const got: Verdict[] = [];
    const thread = new AttemptThread({ config, ruleFiles, log: capture().log, deliver: (vs) => got.push(...vs) });
    try {
      thread.count(burst(1)[0]!.cdr, NOW); // started with the attempt rules
      await thread.settled();
      thread.useRules({ ...ruleFiles, rules: ruleFiles.rules.filter((r) => r.on !== 'attempt') });
      for (const { cdr, now } of burst(40)) thread.count({ ...cdr, id: `after-${cdr.id}` }, now);
      await thread.settled();
      assert.deepEqual(got, []);
    } finally {
      await thread.close();
    }
  });

  it('a thread that dies holding attempts: they are reported uncounted, a new thread counts what follows from fresh windows', { timeout: 60_000 }, async () => {
    const { log, lines } = capture();
    const config = parseConfig({});
    const ruleFiles = testRules();
    const got: string[] = [];
    const thread = new AttemptThread({ config, ruleFiles, log, deliver: (vs, now) => got.push(...vs.map((v) => `${v.id}@${now}`)) });
    try {
      await thread.warm(30_000);
      const held = burst(5_120); // ten full batches, handed over at once
      for (const { cdr, now } of held) thread.count({ ...cdr, id: `held-${cdr.id}` }, now);
      // killed with them in its hands (counting them takes a good part of a second; this is microseconds later)
      // the thread is private to AttemptThread: reached here only to kill it as a crash would
      const worker = (thread as unknown as { worker: Worker | undefined }).worker;
      assert.ok(worker, 'the thread started');
      void worker.terminate();
      await thread.settled();
      const died = lines.find((l) => l['msg'] === 'attempt thread stopped: the attempts it held are not counted, its windows start again');
      assert.ok(died, JSON.stringify(lines.map((l) => l['msg'])));
      assert.equal(died['uncounted'], thread.uncounted, 'the log and the metric say the same');
      assert.ok(thread.uncounted > 0 && thread.uncounted <= held.length, `uncounted ${thread.uncounted}`);
      assert.equal(thread.backlog, 0);

      // the next attempts start a new thread (after its back-off) and are counted as a fresh engine counts them
      got.length = 0;
      const fresh = engineFactory(config, ruleFiles, ATTEMPT_ENGINE)();
      const after = burst(40);
      const expected = after.flatMap(({ cdr, now }) => fresh.process(cdr, now).verdicts.map((v) => `${v.id}@${now}`));
      for (const { cdr, now } of after) thread.count(cdr, now);
      await thread.settled();
      assert.ok(expected.length >= 2);
      assert.deepEqual(got, expected);
      assert.equal(thread.backlog, 0);
    } finally {
      await thread.close();
    }
  });

  it('a thread that cannot start is started again and logged, never thrown; close() ends the retries', async () => {
    const { log, lines } = capture();
    const ruleFiles = testRules();
    // a rule the engine refuses to build: every start fails in the worker
    const broken = {
      ...ruleFiles,
      rules: [{ ...ruleFiles.rules.find((r) => r.on === 'attempt')!, measure: { kind: 'no-such-measure' } }],
    } as unknown as typeof ruleFiles;
    const thread = new AttemptThread({ config: parseConfig({}), ruleFiles: broken, log, deliver: () => assert.fail('nothing is counted') });
    thread.count(burst(1)[0]!.cdr, NOW);
    const deadline = Date.now() + 30_000;
    while (!lines.some((l) => l['msg'] === 'attempt thread did not start; starting it again') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await thread.close(100);
    assert.ok(
      lines.some((l) => l['msg'] === 'attempt thread did not start; starting it again'),
      JSON.stringify(lines.map((l) => l['msg'])),
    );
    const said = () => lines.map((l) => String(l['msg'])).filter((m) => m !== 'attempt thread failed');
    const before = said().length;
    thread.count(burst(2)[1]!.cdr, NOW); // after close: not counted (the metric says so; the log is throttled)
    assert.equal(thread.uncounted, 2, 'the attempt it held when closed, and the one after');
    assert.ok(lines.some((l) => l['msg'] === 'attempt thread closed before counting these attempts' && l['uncounted'] === 1));
    await new Promise((r) => setTimeout(r, 1_200));
    assert.deepEqual(said().slice(before), [], 'no start tried after close');
  });

  it('close() gives up what it could not count in time: said, in `uncounted`, and every settled() resolves', async () => {
    const { log, lines } = capture();
    const thread = new AttemptThread({ config: parseConfig({}), ruleFiles: testRules(), log, deliver: () => undefined });
    for (const { cdr, now } of burst(30)) thread.count(cdr, now);
    const waiting = thread.settled(); // the thread is still starting: nothing can be counted yet
    await thread.close(0);
    await waiting;
    assert.equal(thread.uncounted, 30);
    assert.equal(thread.backlog, 0);
    assert.ok(lines.some((l) => l['msg'] === 'attempt thread closed before counting these attempts' && l['uncounted'] === 30));
    await thread.settled(); // after close, nothing is awaited
  });
});
