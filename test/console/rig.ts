import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's chromium (CI's .ci/run installs it); playwright-core drives it, nothing downloads a browser. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export interface Demo {
  readonly base: string;
  readonly user: string;
  readonly password: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * `sentinela demo` as a user runs it (from source): the embedded deployment, chDB in a temporary directory, the
 * synthetic day streamed through POST /v1/cdrs, then the API and console left up. Resolves once it prints the
 * console's address and login.
 */
export async function startDemo(): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-console-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/rig/sentinela.ts', 'demo', '--seconds', '0', '--port', String(port)], {
    // a loaded CI box lags the event loop past the shedding limit and the console's requests get 503 (true, but not
    // what these tests test): as test/api/rig.ts's UNSHED
    env: { ...process.env, SENTINELA_DATA_DIR: dir, LOG_LEVEL: 'info', SENTINELA_MAX_EVENT_LOOP_DELAY: '10s' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const login = await new Promise<{ base: string; user: string; password: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${out}\n--- demo.log ---\n${tail(join(dir, 'demo.log'))}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      out += `${line}\n`;
      const m = /^NOC console: (\S+)\/console\/ {2}\(user (\S+), password (\S+)\)$/.exec(line);
      if (m) resolve({ base: (m[1] as string).replace('localhost', '127.0.0.1'), user: m[2] as string, password: m[3] as string });
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { ...login, output: () => out, stop };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(none)';
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** A fresh browser context (own sessionStorage) logged in to the console; page errors fail the caller's checks. */
export async function loggedIn(browser: Browser, demo: Pick<Demo, 'base'>, user: string, password: string, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US', ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${demo.base}/console/`);
  await page.locator('#login input[name=user]').fill(user);
  await page.locator('#login input[name=password]').fill(password);
  await page.locator('#login button[type=submit]').click();
  await page.locator('#nav a, #login .note.error').first().waitFor();
  const refused = page.locator('#login .note.error');
  if ((await refused.count()) > 0) throw new Error(`${user} could not log in: ${await refused.textContent()}`);
  return { page, errors, close: () => context.close() };
}

/** JSON from the API with a session of this user (Node's fetch: the same address as the browser, 127.0.0.1). */
export async function apiAs(base: string, user: string, password: string) {
  const login = await fetch(`${base}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, password }) });
  if (!login.ok) throw new Error(`login ${user}: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  /** `ndjson`: records sent one per line (POST /v1/cdrs, /v1/events), else `body` as JSON. */
  return async <T>(path: string, init: { method?: string; body?: unknown; ndjson?: readonly unknown[] } = {}): Promise<{ status: number; json: T }> => {
    const body = init.ndjson ? init.ndjson.map((r) => JSON.stringify(r)).join('\n') : init.body === undefined ? undefined : JSON.stringify(init.body);
    const type = init.ndjson ? 'application/x-ndjson' : 'application/json';
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, json: (await response.json().catch(() => null)) as T };
  };
}

export type { Page };
