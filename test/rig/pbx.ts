// The Sentinela side of the PBX end-to-end tests (test/e2e/kamailio.test.ts, signalling.test.ts): a real embedded
// `sentinela start` with the shipped rules (one tenant, its allow-listed addresses), a PBX key for Kamailio, the
// push to Kamailio's JSON-RPC port, and an operator to read the blocks.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_PASSWORD } from '../api/rig.js';
import { waitFor } from '../processor/rig.js';
import { freeTcpPort } from './kamailio.js';
import { addUser, issueApiKey, startServer, type ServerProcess } from './server.js';

export interface PbxSentinela {
  readonly sentinela: ServerProcess;
  /** The PBX key of the tenant (sentinela apikey add). */
  readonly key: string;
  /** Where Sentinela pushes blocks: Kamailio's TCP port for JSON-RPC (start Kamailio with it). */
  readonly rpcPort: number;
  /** GET a management route as the operator (a session from POST /v1/login). */
  operatorGet(path: string): Promise<Response>;
  /** POST JSON to a management route as the operator. */
  operatorPost(path: string, body: unknown): Promise<Response>;
  stop(): Promise<void>;
}

/** `sentinela start` (embedded) for `tenant`, with `allowIps` in its allow list (profiles.yaml). */
export async function startPbxSentinela(o: { tenant: string; allowIps?: readonly string[]; keyName: string }): Promise<PbxSentinela> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinela-pbx-'));
  const [port, rpcPort] = [await freeTcpPort(), await freeTcpPort()];
  const rules = join(dir, 'rules');
  cpSync(join(import.meta.dirname, '..', '..', 'rules'), rules, { recursive: true });
  const allow = (o.allowIps ?? []).map((ip) => `'${ip}'`).join(', ');
  const profiles = readFileSync(join(rules, 'profiles.yaml'), 'utf8').replace(
    /^tenants: \{\}$/m,
    `tenants:\n  ${o.tenant}:\n    lists:\n      allow: { ips: [${allow}] }`,
  );
  assert.ok(profiles.includes(`  ${o.tenant}:`), 'rules/profiles.yaml still has `tenants: {}`');
  writeFileSync(join(rules, 'profiles.yaml'), profiles);
  const env = {
    SENTINELA_DATA_DIR: join(dir, 'data'),
    SENTINELA_PORT: String(port),
    SENTINELA_RULES_DIR: rules,
    SENTINELA_KAMAILIO_RPC_URL: `http://127.0.0.1:${rpcPort}/RPC`,
    SENTINELA_FAIL_POLICY: 'open',
    // shedding under a busy CI machine's event-loop lag is another test's subject (api/block-check.test.ts)
    SENTINELA_MAX_EVENT_LOOP_DELAY: '10s',
  };
  const key = (await issueApiKey(env, { tenant: o.tenant, name: o.keyName })).key;
  await addUser(env, { name: 'noc.operator', role: 'operator', fullName: 'Noc Operator', password: TEST_PASSWORD });
  const sentinela = await startServer([], env, { startTimeoutMs: 180_000 });
  await waitFor(() => sentinela.ready(), `sentinela at ${sentinela.url} ready`, 180_000);
  let token: string | undefined;
  const api = async (path: string, init: RequestInit = {}) => {
    const call = (auth: Record<string, string>) =>
      fetch(`${sentinela.url}${path}`, { ...init, headers: { ...init.headers, ...auth }, signal: AbortSignal.timeout(30_000) });
    if (token === undefined) {
      const answer = await fetch(`${sentinela.url}/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'noc.operator', password: TEST_PASSWORD }),
        signal: AbortSignal.timeout(30_000),
      });
      assert.equal(answer.status, 200, await answer.clone().text());
      token = ((await answer.json()) as { token: string }).token;
    }
    return call({ authorization: `Bearer ${token}` });
  };
  return {
    sentinela,
    key,
    rpcPort,
    operatorGet: (path) => api(path),
    operatorPost: (path, body) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    stop: async () => {
      await sentinela.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
