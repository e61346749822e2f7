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
/** Indexes of the BLOCK_LINE_COLUMNS texts that mostly repeat on the next line: tenant, kind, rule, reason, scope, source, author. */
const REPEATING = [1, 2, 4, 5, 7, 8, 9];
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
  /** Where each field of the line being read ends (its tab, or the line's end), and how many fields it has. */
  private readonly ends = new Int32Array(FIELDS);
  private fields = 0;
  /**
   * The fields that mostly repeat from one line to the next (the table's order is tenant, kind, value; a rule's
   * blocks share its texts), with their last bytes and text: the same bytes are the same text, not decoded again.
   * The id and the subject's value differ on every line. The bytes stay where they came, in their chunk.
   */
  private readonly seen: ({ buf: Buffer; from: number; to: number; text: string } | undefined)[] = Array.from({ length: FIELDS }, (_, i) =>
    REPEATING.includes(i) ? { buf: Buffer.alloc(0), from: 0, to: -1, text: '' } : undefined,
  );
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
      const line = Buffer.concat([this.rest, buf.subarray(0, nl)]);
      this.rest = undefined;
      this.scan(line, 0, line.length);
      this.line(line, 0);
      from = nl + 1;
    }
    while (from < buf.length) {
      const end = this.scan(buf, from, buf.length);
      if (end === buf.length) break; // no newline: the line goes on in the next chunk
      this.line(buf, from);
      from = end + 1;
    }
    if (from < buf.length) this.rest = Buffer.from(buf.subarray(from));
  }

  /** The stream ended: a last line without its newline is read too. */
  end(): number {
    const rest = this.rest;
    this.rest = undefined;
    if (rest !== undefined && rest.length > 0) {
      this.scan(rest, 0, rest.length);
      this.line(rest, 0);
    }
    return this.lines;
  }

  /**
   * Finds the line's tabs and its end (the newline's index, or `limit`) in one pass: a loop over the bytes costs
   * less than a native search per field of ~10 bytes (a third of the bootstrap's reading, issue 19).
   */
  private scan(buf: Buffer, from: number, limit: number): number {
    const ends = this.ends;
    let n = 0;
    let at = from;
    for (; at < limit; at++) {
      const c = buf[at];
      if (c === NL) break;
      if (c === TAB) {
        if (n < FIELDS) ends[n] = at;
        n++;
      }
    }
    if (n < FIELDS) ends[n] = at;
    this.fields = n + 1;
    return at;
  }

  /** The line `scan` found, from `start`, to `apply`. */
  private line(buf: Buffer, start: number): void {
    if (this.fields !== FIELDS) throw new Error(`block line ${this.lines + 1}: ${FIELDS} tab-separated fields expected`);
    const e = this.entry;
    e.id = this.text(buf, start, 0);
    e.tenant = this.text(buf, start, 1);
    this.subject.kind = this.text(buf, start, 2) as KeyKind;
    this.subject.value = this.text(buf, start, 3);
    e.rule = this.text(buf, start, 4);
    e.reason = this.text(buf, start, 5);
    e.level = this.num(buf, start, 6);
    e.scope = this.text(buf, start, 7) as Block['scope'];
    e.source = this.text(buf, start, 8) as Block['source'];
    e.createdBy = this.text(buf, start, 9);
    e.startsAt = this.num(buf, start, 10);
    e.expiresAt = this.num(buf, start, 11);
    const calls = this.num(buf, start, 12);
    if (calls > 0) {
      this.throttle.calls = calls;
      this.throttle.perMs = this.num(buf, start, 13);
      e.throttle = this.throttle;
    } else delete e.throttle;
    this.lines++;
    this.apply(e);
  }

  private text(buf: Buffer, start: number, i: number): string {
    const from = i === 0 ? start : (this.ends[i - 1] as number) + 1;
    const to = this.ends[i] as number;
    const seen = this.seen[i];
    if (seen !== undefined && seen.to - seen.from === to - from && sameBytes(buf, from, seen.buf, seen.from, to - from)) return seen.text;
    const raw = buf.toString('utf8', from, to);
    const text = raw.includes('\\') ? unescapeTsv(raw) : raw;
    if (seen !== undefined) {
      seen.buf = buf;
      seen.from = from;
      seen.to = to;
      seen.text = text;
    }
    return text;
  }

  private num(buf: Buffer, start: number, i: number): number {
    return digits(buf, i === 0 ? start : (this.ends[i - 1] as number) + 1, this.ends[i] as number, this.lines + 1);
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

function sameBytes(a: Buffer, from: number, b: Buffer, bFrom: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[from + i] !== b[bFrom + i]) return false;
  return true;
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
