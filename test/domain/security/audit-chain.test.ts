import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChainVerifier, checkpointIntact, sealAnchor, sealCheckpoint, sealRecord, type AuditRecord } from '../../../src/domain/security/audit-chain.js';

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

describe('incremental verification from a checkpoint (A5)', () => {
  const records = chain(20);
  const at = (seq: number) => records[seq - 1] as AuditRecord;
  const resumeAt = (seq: number) => ({ seq, hash: at(seq).hash, firstSeq: 1 });
  /** Pushes what a pass would read: the records after the verifier's starting point. */
  function pass(list: readonly AuditRecord[], resume?: { seq: number; hash: string; firstSeq: number }, anchors = [genesis]) {
    const v = new ChainVerifier(KEY, 'api:a', anchors, undefined, resume);
    for (const r of list) if (r.seq > v.from) v.push(r);
    return { report: v.report(), position: v.position() };
  }

  it('checks only the records after the checkpoint, chaining the first to its hash', () => {
    const { report, position } = pass(records, resumeAt(15));
    assert.deepEqual(report, { chain: 'api:a', ok: true, checked: 5, firstSeq: 1, lastSeq: 20, resumedAfter: 15 });
    assert.deepEqual(position, { seq: 20, hash: at(20).hash });
  });

  it('catches a new record that was modified, inserted or deleted', () => {
    const modified = records.map((r) => (r.seq === 17 ? { ...r, actor: 'mallory' } : r));
    assert.deepEqual(pass(modified, resumeAt(15)).report.problem?.seq, 17);
    assert.equal(
      pass(
        records.filter((r) => r.seq !== 16),
        resumeAt(15),
      ).report.problem?.kind,
      'deleted',
    );
    const forgedNext = sealRecord(KEY, 'api:a', 16, 'not-the-hash-of-15', { ...at(16) });
    assert.equal(pass([forgedNext, ...records.slice(16)], resumeAt(15)).report.problem?.kind, 'modified');
  });

  it('does not see a change behind the checkpoint (the full pass does), and stops before a break', () => {
    const modified = records.map((r) => (r.seq === 5 ? { ...r, actor: 'mallory' } : r));
    assert.equal(pass(modified, resumeAt(15)).report.ok, true, 'incremental: record 5 is not read again');
    const full = pass(modified);
    assert.deepEqual([full.report.problem?.kind, full.report.problem?.seq], ['modified', 5]);
    assert.deepEqual(full.position, { seq: 4, hash: at(4).hash }, 'the next pass resumes before the break and finds it again');
  });

  it('starts at the newest anchor when a quota cut passed the checkpoint', () => {
    const cut = sealAnchor(KEY, { chain: 'api:a', firstSeq: 11, prevHash: at(10).hash, at: T0 + 100, reason: 'quota' });
    const { report } = pass(records.slice(10), resumeAt(5), [genesis, cut]);
    assert.deepEqual([report.ok, report.checked, report.firstSeq, report.resumedAfter], [true, 10, 11, undefined]);
  });

  it('seals a checkpoint: any edited field breaks it', () => {
    const cp = sealCheckpoint(KEY, { chain: 'api:a', seq: 15, hash: at(15).hash, firstSeq: 1, verifiedAt: T0, fullAt: T0, problem: '' });
    assert.equal(checkpointIntact(KEY, cp), true);
    for (const edit of [{ seq: 19 }, { hash: at(19).hash }, { fullAt: T0 + 1 }, { problem: '' + 'x' }])
      assert.equal(checkpointIntact(KEY, { ...cp, ...edit }), false, JSON.stringify(edit));
  });
});
