import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttemptVerdicts } from '../../src/api/attempt-verdicts.js';
import type { Alert } from '../../src/domain/engine/verdicts.js';
import { SentinelaError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';

const alert = (id: string): Alert => ({
  kind: 'alert',
  id,
  tenant: 'acme',
  rule: 'attempt-velocity-caller',
  severity: 'critical',
  subject: { kind: 'caller', value: '+551130001000' },
  at: 0,
  evidence: [],
  details: {},
});
const until = async (done: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('verdicts were not all written');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('attempt verdicts leave the request path in batches', () => {
  it('stores every verdict, those written while a write runs in the next batch, through store outages', async () => {
    const writes: string[][] = [];
    let failures = 2;
    const verdicts = new AttemptVerdicts({
      log: createLogger('silent'),
      backoff: { initialMs: 5, maxMs: 10 },
      sinks: [
        async (batch) => {
          await new Promise((r) => setTimeout(r, 10)); // a slow round trip
          if (failures-- > 0) throw new SentinelaError('STORE_UNAVAILABLE', 'down (injected)');
          writes.push(batch.verdicts.map((v) => v.id));
        },
      ],
    });
    verdicts.write([alert('a1')]);
    verdicts.write([alert('a2')]);
    verdicts.write([alert('a3')]);
    await until(() => writes.flat().length === 3);
    assert.deepEqual(writes, [['a1'], ['a2', 'a3']]);
    verdicts.write([alert('a4')]); // after a write that overlapped a flush, writing still works
    verdicts.write([alert('a5')]);
    await until(() => writes.flat().length === 5);
    assert.deepEqual(writes.flat(), ['a1', 'a2', 'a3', 'a4', 'a5']);
    await verdicts.drain(100);
  });
});
