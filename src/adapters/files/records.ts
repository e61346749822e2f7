import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { SentinelaError } from '../../errors.js';

/**
 * The records of a file or stdin, for `sentinela replay`: one per line, or whole JSON documents (`documents`).
 * A missing or unreadable file is a usage error before any work starts.
 */
export async function openRecords(from: string | NodeJS.ReadableStream, o: { latin1: boolean; documents: boolean }): Promise<AsyncIterable<string>> {
  const input = typeof from === 'string' ? await openFile(from) : from;
  if (o.latin1) input.setEncoding('latin1');
  return o.documents ? documents(input) : createInterface({ input, crlfDelay: Infinity });
}

/**
 * mod_json_cdr files are often one pretty-printed document: a whole input that parses as JSON is one record,
 * anything else is read as one document per line.
 */
async function* documents(input: NodeJS.ReadableStream): AsyncIterable<string> {
  const chunks: string[] = [];
  for await (const chunk of input) chunks.push(String(chunk));
  const text = chunks.join('');
  try {
    JSON.parse(text);
    yield text;
  } catch {
    yield* text.split(/\r?\n/);
  }
}

/** Opens FILE, turning a missing or unreadable file into a usage error before any work starts. */
async function openFile(file: string): Promise<NodeJS.ReadableStream> {
  const stream = createReadStream(file);
  try {
    await once(stream, 'open');
  } catch (err) {
    throw new SentinelaError('CLI_USAGE', `cannot read ${file}: ${(err as Error).message}`);
  }
  return stream;
}
