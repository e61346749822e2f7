import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';

/** Runs the CLI in process, as a NOC user, and collects what it prints. */
export async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { LOG_LEVEL: 'silent', USER: 'noc', ...env },
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stdin: () => Readable.from(['']) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * An APIBAN-style feed on a local HTTP server: `pages` maps a page ID to the JSON it answers (200), `failures` a
 * page ID to an error status and body; any other ID answers APIBAN's 400 "no new bans". `asked` lists the IDs asked for.
 */
export async function feedServer(pages: ReadonlyMap<string, unknown>, failures: ReadonlyMap<string, { status: number; body: unknown }> = new Map()) {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const id = /\/banned\/(\w+)$/.exec(req.url ?? '')?.[1] ?? '';
    asked.push(id);
    const failure = failures.get(id);
    const page = pages.get(id);
    const [status, body] = failure ? [failure.status, failure.body] : page !== undefined ? [200, page] : [400, { ipaddress: ['no new bans'], ID: 'none' }];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/testkey/banned/{id}`, asked, close: () => server.close() };
}
