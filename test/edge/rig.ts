import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Block } from '../../src/domain/blocks/block.js';
import { parseEdgeOptions } from '../../src/edge/options.js';
import { startEdgeNft } from '../../src/edge/receiver.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign } from '../../src/push/signature.js';
import { createLogger } from '../../src/log.js';
import { testBlock } from '../domain/blocks/test-block.js';

export const SECRET = 'edge-test-secret-0123456789';

/** A network namespace of its own (real nftables, nothing of the host's firewall touched), deleted after the test. */
export function netns(t: TestContext): { ns: string; nft: string; remove: () => void } {
  const ns = `sentinela-test-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  const remove = () => void spawnSync('ip', ['netns', 'delete', ns]);
  t.after(remove);
  return { ns, nft: `ip netns exec ${ns} nft`, remove };
}

/** The elements of a set as `nft -j list set` shows them: address and timeout in seconds. */
export function elements(ns: string, set: string, table = 'sentinela'): { val: string; timeout: number }[] {
  const listed = JSON.parse(execFileSync('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'set', 'inet', table, set], { encoding: 'utf8' })) as {
    nftables: { set?: { elem?: ({ elem: { val: string; timeout: number } } | string)[] } }[];
  };
  const elems = listed.nftables.find((x) => x.set)?.set?.elem ?? [];
  return elems.map((e) => (typeof e === 'string' ? { val: e, timeout: 0 } : { val: e.elem.val, timeout: e.elem.timeout }));
}

/** `sentinela edge nft` in this process, on a free port, running nft in the namespace. */
export async function edgeNft(t: TestContext, nft: string, clock: () => number, env: Record<string, string> = {}) {
  const options = parseEdgeOptions({}, { SENTINELA_EDGE_LISTEN: '127.0.0.1:0', SENTINELA_EDGE_SECRET: SECRET, SENTINELA_EDGE_NFT: nft, ...env });
  const { receiver, bound } = await startEdgeNft(options, createLogger((process.env['TEST_LOG_LEVEL'] as 'info' | undefined) ?? 'silent'), clock);
  t.after(() => receiver.close());
  return `http://127.0.0.1:${bound.port}/`;
}

/** A push as the pusher sends it, with each part open to tampering. */
export async function post(url: string, body: string, o: { ts: number; secret?: string; delivery?: string }) {
  const headers = {
    'content-type': 'application/json',
    [SIGNATURE_HEADER]: sign(o.secret ?? SECRET, o.ts, body),
    [TIMESTAMP_HEADER]: String(o.ts),
    [DELIVERY_HEADER]: o.delivery ?? randomUUID(),
  };
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A rule's block of an IP address for every call. */
export function ipBlock(id: string, address: string, now: number, seconds: number, o: Partial<Block> = {}): Block {
  return testBlock(
    id,
    { kind: 'ip', value: address },
    { rule: 'registration-failures-ip', reason: '5 failed registrations in 1m', startsAt: now, expiresAt: now + seconds * 1000, ...o },
  );
}
