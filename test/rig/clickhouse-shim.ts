// A ClickHouse server for fault tests, as far as @clickhouse/client can tell: the ClickHouse HTTP interface
// (POST /?query=…&param_x=…, GET /ping, errors as 500 with ClickHouse's exception text) served by chDB in this
// process. Sentinela then runs in server mode (CLICKHOUSE_URL) from several processes at once — a processor and
// API replicas share one database, which chDB alone cannot (it binds a directory to one process) — and a test can
// make ClickHouse unreachable by cutting the TCP path to this server (test/rig/tcp-proxy.ts).
//
//   node --import tsx test/rig/clickhouse-shim.ts DATA_DIR   → prints "listening PORT" on stdout
//
// Query parameters are passed to the engine verbatim (already in ClickHouse's text form, as a real server gets
// them), through chdb's native binding; the rest of the URL (settings) becomes SET statements.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

interface NativeResult {
  readonly bytes: Uint8Array;
  readonly rowsRead?: number;
  readonly bytesRead?: number;
}
interface Native {
  QueryAsyncConnection(connection: unknown, sql: string, format: string, bound?: Record<string, string>): Promise<NativeResult>;
}

const require = createRequire(import.meta.url);
const chdbMain = require.resolve('chdb');
const { Session } = require(chdbMain) as { Session: new (path: string) => { connection: unknown; close(): void } };
const native = (require(chdbMain.replace(/index\.js$/, 'dist/loader.js')) as { loadNative(): Native }).loadNative();

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: clickhouse-shim.ts DATA_DIR');
const session = new Session(dataDir);

/** URL parameters that are not settings (or settings only the HTTP layer knows). */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'role', 'default_format', 'user', 'password']);
const HTTP_ONLY = /^(wait_end_of_query|send_progress_in_http_headers|http_.*|enable_http_compression|output_format_json_quote_64bit_integers_DISABLED)$/;

// one statement at a time, like chdb's own binder does for parameterised queries
let chain: Promise<unknown> = Promise.resolve();
const serially = <T>(job: () => Promise<T>): Promise<T> => {
  const run = chain.then(job, job);
  chain = run.catch(() => undefined);
  return run;
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://shim');
    if (url.pathname === '/ping') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('Ok.\n');
    const body = Buffer.concat(chunks).toString('utf8');
    const params = url.searchParams;
    const inUrl = params.get('query');
    const sql = inUrl === null ? body : body.trim() === '' ? inUrl : `${inUrl}\n${body}`;
    const bound: Record<string, string> = {};
    const settings: string[] = [];
    for (const [key, value] of params) {
      if (key.startsWith('param_')) bound[key.slice('param_'.length)] = value;
      else if (!NOT_SETTINGS.has(key) && !HTTP_ONLY.test(key) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        settings.push(`SET ${key} = '${value.replace(/'/g, "''")}'`);
    }
    const statement = settings.length > 0 ? `${settings.join('; ')}; ${sql}` : sql;
    const queryId = params.get('query_id') ?? randomUUID();
    const format = params.get('default_format') ?? 'TabSeparated';
    serially(() =>
      Object.keys(bound).length > 0
        ? native.QueryAsyncConnection(session.connection, statement, format, bound)
        : native.QueryAsyncConnection(session.connection, statement, format),
    ).then(
      (result) => {
        const rows = String(result.rowsRead ?? 0);
        const summary = {
          read_rows: rows,
          read_bytes: String(result.bytesRead ?? 0),
          written_rows: rows,
          written_bytes: '0',
          total_rows_to_read: '0',
          result_rows: rows,
          result_bytes: '0',
          elapsed_ns: '0',
        };
        res
          .writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-query-id': queryId, 'x-clickhouse-summary': JSON.stringify(summary) })
          .end(Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength));
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        const code = /Code: (\d+)/.exec(message)?.[1] ?? '1002';
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': code, 'x-clickhouse-query-id': queryId })
          .end(message.startsWith('Code:') ? message : `Code: ${code}. DB::Exception: ${message}`);
      },
    );
  });
});
server.keepAliveTimeout = 2_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
const stop = () => server.close(() => (session.close(), process.exit(0)));
process.on('SIGTERM', stop);
process.stdin.on('end', stop); // the test process died: do not outlive it
process.stdin.resume();
