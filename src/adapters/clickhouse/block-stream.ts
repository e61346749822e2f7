import type { ClickHouseClient } from '@clickhouse/client';
import { setImmediate } from 'node:timers/promises';
import { blockOfEntry, type BlockEntry } from '../../domain/blocks/block-table.js';
import type { Block } from '../../domain/blocks/block.js';
import type { KeyKind } from '../../domain/rules/spec.js';
import { storeError } from './client.js';

/**
 * The bootstrap's compact form of the active blocks (issue 19): TabSeparated lines of these columns, read straight
 * from the bytes ClickHouse sends into the block table (BlockLineReader), with no row or Block object per block.
 * Active blocks only, so no lift columns.
 */
export const BLOCK_LINE_COLUMNS = `id, tenant, subject_kind, subject_value, rule, reason, level, scope, source, created_by,
  toUnixTimestamp64Milli(starts_at), toUnixTimestamp64Milli(expires_at), throttle_calls, throttle_per_ms`;
const FIELDS = 14;
const TAB = 9;
const NL = 10;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Reads BLOCK_LINE_COLUMNS lines chunk by chunk (a line may span chunks) and hands each block to `apply` as one
 * reused entry: the block table copies what it keeps. A line that is not a block (a future column, a bad number)
 * is an error, never skipped: a bootstrap missing a block would let its subject's calls through.
 */
export class BlockLineReader {
  private rest: Buffer | undefined;
  private readonly subject: Mutable<Block['subject']> = { kind: 'caller', value: '' };
  private readonly throttle = { calls: 0, perMs: 0 };
  private readonly entry: Mutable<BlockEntry> = {
    id: '',
    tenant: '',
    subject: this.subject,
    rule: '',
    reason: '',
    level: 1,
    scope: 'all',
    source: 'rule',
    createdBy: '',
    startsAt: 0,
    expiresAt: 0,
    state: 'active',
  };
  private readonly ends = new Int32Array(FIELDS);
  lines = 0;

  constructor(private readonly apply: (entry: BlockEntry) => void) {}

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let from = 0;
    if (this.rest !== undefined) {
      // only the split line is copied, not the chunk
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.rest = Buffer.concat([this.rest, buf]);
        return;
      }
      this.line(Buffer.concat([this.rest, buf.subarray(0, nl + 1)]), 0, this.rest.length + nl);
      this.rest = undefined;
      from = nl + 1;
    }
    for (let nl = buf.indexOf(NL, from); nl >= 0; nl = buf.indexOf(NL, from)) {
      this.line(buf, from, nl);
      from = nl + 1;
    }
    if (from < buf.length) this.rest = Buffer.from(buf.subarray(from));
  }

  /** The stream ended: a last line without its newline is read too. */
  end(): number {
    if (this.rest !== undefined && this.rest.length > 0) this.line(this.rest, 0, this.rest.length);
    this.rest = undefined;
    return this.lines;
  }

  private line(buf: Buffer, start: number, end: number): void {
    const ends = this.ends;
    let n = 0;
    for (let at = start; at < end && n < FIELDS;) {
      const tab = buf.indexOf(TAB, at);
      const stop = tab < 0 || tab > end ? end : tab;
      ends[n++] = stop;
      at = stop + 1;
      if (stop === end) break;
    }
    if (n !== FIELDS || ends[FIELDS - 1] !== end) throw new Error(`block line ${this.lines + 1}: ${FIELDS} tab-separated fields expected`);
    const text = (i: number) => {
      const s = buf.toString('utf8', i === 0 ? start : (ends[i - 1] as number) + 1, ends[i]);
      return s.includes('\\') ? unescapeTsv(s) : s;
    };
    const num = (i: number) => digits(buf, i === 0 ? start : (ends[i - 1] as number) + 1, ends[i] as number, this.lines + 1);
    const e = this.entry;
    e.id = text(0);
    e.tenant = text(1);
    this.subject.kind = text(2) as KeyKind;
    this.subject.value = text(3);
    e.rule = text(4);
    e.reason = text(5);
    e.level = num(6);
    e.scope = text(7) as Block['scope'];
    e.source = text(8) as Block['source'];
    e.createdBy = text(9);
    e.startsAt = num(10);
    e.expiresAt = num(11);
    const calls = num(12);
    if (calls > 0) {
      this.throttle.calls = calls;
      this.throttle.perMs = num(13);
      e.throttle = this.throttle;
    } else delete e.throttle;
    this.lines++;
    this.apply(e);
  }
}

/** Every block of BLOCK_LINE_COLUMNS chunks, as Blocks (tests, and callers that want objects). */
export function blocksOfLines(chunks: readonly Uint8Array[]): Block[] {
  const blocks: Block[] = [];
  const reader = new BlockLineReader((e) => blocks.push(blockOfEntry(e)));
  for (const c of chunks) reader.push(c);
  reader.end();
  return blocks;
}

/**
 * Bytes of block lines read between two turns of the event loop (~150 lines, under a millisecond): each turn also
 * moves only a socket buffer of a large RPC reply, the API's 115 MB bootstrap read, to the API process.
 */
const SLICE_BYTES = 1 << 14;

/**
 * Streams the blocks a query of BLOCK_LINE_COLUMNS (its FORMAT TabSeparated included) selects into `apply`, chunk
 * by chunk as ClickHouse sends them (the state rebuild: no row, Block or whole result held). Returns the count.
 * A chunk is read a slice at a time, yielding between slices: chDB hands over a whole result as one chunk (115 MB
 * for a million blocks), and the pipeline child must keep answering meanwhile (health beats, the API's bootstrap
 * query, which then overlaps this rebuild: issue 19).
 */
export async function streamBlockLines(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
  apply: (entry: BlockEntry) => void,
  context: string,
): Promise<number> {
  const reader = new BlockLineReader(apply);
  await streamQuery(
    client,
    query,
    params,
    async (chunk) => {
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
        if (at > 0) await setImmediate();
        reader.push(chunk.subarray(at, at + SLICE_BYTES));
      }
    },
    context,
  );
  return reader.end();
}

/** A query's raw result, chunk by chunk as ClickHouse sends it (its FORMAT in the query); a failure is STORE_QUERY_FAILED. */
export async function streamQuery(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
  context: string,
): Promise<void> {
  try {
    const result = await client.exec({ query, query_params: params });
    for await (const chunk of result.stream as AsyncIterable<Uint8Array>) await onChunk(chunk);
  } catch (err) {
    throw storeError(err, 'STORE_QUERY_FAILED', context);
  }
}

function digits(buf: Buffer, start: number, end: number, line: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) throw new Error(`block line ${line}: a number expected, not ${JSON.stringify(buf.toString('utf8', start, end))}`);
    n = n * 10 + d;
  }
  if (end === start) throw new Error(`block line ${line}: an empty number`);
  return n;
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', r: '\r', n: '\n', t: '\t', '0': '\u0000', a: '\u0007', v: '\v' };

/** TabSeparated's escapes undone (\t, \n, \\, \0 …; any other escaped character stands for itself). */
export const unescapeTsv = (s: string): string => s.replace(/\\(.)/gs, (_m, c: string) => ESCAPES[c] ?? c);
