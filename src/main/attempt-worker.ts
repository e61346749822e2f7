import { parentPort, workerData } from 'node:worker_threads';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import type { Cdr } from '../domain/cdr/contract.js';
import type { Engine } from '../domain/engine/engine.js';
import type { Verdict } from '../domain/engine/verdicts.js';
import type { AttemptWorkerData, FromAttemptWorker, ToAttemptWorker } from '../ipc/attempt-thread.js';
import { SentinelaError } from '../errors.js';
import { ATTEMPT_ENGINE, engineFactory } from './parts.js';

/**
 * The attempt thread (ipc/attempt-thread.ts): the API's attempt rules counting the block-checks it answered, with
 * the configuration and rules of the API that started it. An attempt the engine fails on is reported, never
 * thrown: one bad attempt must not lose the rest of its batch.
 */
const port = parentPort;
if (!port) throw new SentinelaError('INTERNAL', 'attempt-worker.ts runs as a worker thread (ipc/attempt-thread.ts starts it)');
const { config, ruleFiles } = workerData as AttemptWorkerData;
const engineOf = (files: RuleFiles): Engine => engineFactory(config, files, ATTEMPT_ENGINE)();
let engine = engineOf(ruleFiles);
const send = (m: FromAttemptWorker) => port.postMessage(m);

port.on('message', (m: ToAttemptWorker) => {
  if (m.type === 'rules') {
    try {
      engine = engineOf(m.ruleFiles);
    } catch (err) {
      send({ type: 'rules-failed', message: String((err as Error)?.message ?? err) });
    }
    return;
  }
  const verdicts: { now: number; verdicts: readonly Verdict[] }[] = [];
  let failed = 0;
  let message = '';
  for (let i = 0; i < m.cdrs.length; i++) {
    const now = m.nows[i] as number;
    try {
      const outcome = engine.process(m.cdrs[i] as Cdr, now);
      if (outcome.verdicts.length > 0) verdicts.push({ now, verdicts: outcome.verdicts });
    } catch (err) {
      if (failed++ === 0) message = String((err as Error)?.message ?? err);
    }
  }
  send({ type: 'counted', n: m.cdrs.length, verdicts, ...(failed > 0 ? { failed: { count: failed, message } } : {}) });
});
send({ type: 'ready' });
