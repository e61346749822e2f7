import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChainVerifier, sealAnchor, sealRecord, type AuditRecord } from '../../../src/domain/security/audit-chain.js';

const KEY = Buffer.from('unit-test-key-unit-test-key-0123');
const T0 = Date.parse('2026-11-21T09:00:00-03:00');

function chain(n: number, from = 1, prev = ''): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let seq = from; seq < from + n; seq++) {
    const r = sealRecord(KEY, 'api:a', seq, out.at(-1)?.hash ?? prev, {
      at: T0 + seq,
      actor: 'ana',
      eventType: 'block.manual',
      result: 'success',
      sourceIp: '10.0.0.1',
      details: JSON.stringify({ n: seq }),
    });
    out.push(r);
  }
  return out;
}
const genesis = sealAnchor(KEY, { chain: 'api:a', firstSeq: 1, prevHash: '', at: T0, reason: 'genesis' });
function verify(records: readonly AuditRecord[], anchors = [genesis], expected?: number) {
  const v = new ChainVerifier(KEY, 'api:a', anchors, expected);
  for (const r of records) v.push(r);
  return v.report();
}

describe('audit hash chain (A5)', () => {
  it('verifies an intact chain', () => {
    assert.deepEqual(verify(chain(10)), { chain: 'api:a', ok: true, checked: 10, firstSeq: 1, lastSeq: 10 });
  });

  it('reports a modified record at its position', () => {
    const records = chain(10);
    records[4] = { ...(records[4] as AuditRecord), actor: 'mallory' };
    assert.deepEqual(verify(records).problem?.kind, 'modified');
    assert.equal(verify(records).problem?.seq, 5);
  });

  it('reports a record re-sealed without the key (plain SHA-256) as modified', () => {
    const records = chain(5);
    const forged = sealRecord(Buffer.from('guessed-key'), 'api:a', 3, (records[1] as AuditRecord).hash, { ...(records[2] as AuditRecord), actor: 'mallory' });
    records[2] = forged;
    assert.equal(verify(records).problem?.seq, 3);
  });

  it('reports deleted records in the middle, at the head and at the tail', () => {
    const records = chain(10);
    assert.deepEqual([verify(records.filter((r) => r.seq !== 6)).problem?.kind, verify(records.filter((r) => r.seq !== 6)).problem?.seq], ['deleted', 6]);
    assert.deepEqual([verify(records.slice(2)).problem?.kind, verify(records.slice(2)).problem?.seq], ['deleted', 1]);
    assert.deepEqual([verify(records.slice(0, 8), [genesis], 10).problem?.kind, verify(records.slice(0, 8), [genesis], 10).problem?.seq], ['deleted', 9]);
  });

  it('stays verifiable across a quota cut behind a keyed anchor, and refuses a forged anchor', () => {
    const records = chain(10);
    const cut = sealAnchor(KEY, { chain: 'api:a', firstSeq: 5, prevHash: (records[3] as AuditRecord).hash, at: T0 + 100, reason: 'quota' });
    assert.equal(verify(records.slice(4), [genesis, cut]).ok, true);
    const forged = { ...cut, firstSeq: 7, prevHash: (records[5] as AuditRecord).hash };
    assert.equal(verify(records.slice(6), [genesis, forged]).problem?.kind, 'anchor-modified');
  });

  it('reports a chain whose genesis anchor was removed', () => {
    assert.equal(verify(chain(3), []).problem?.kind, 'no-anchor');
  });

  it('reports two different records at one position', () => {
    const records = chain(4);
    const twin = sealRecord(KEY, 'api:a', 3, (records[1] as AuditRecord).hash, { ...(records[2] as AuditRecord), details: '{"other":true}' });
    assert.equal(verify([records[0], records[1], records[2], twin, records[3]] as AuditRecord[]).problem?.kind, 'duplicated');
  });
});
