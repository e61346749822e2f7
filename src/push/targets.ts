import { randomUUID } from 'node:crypto';
import type { Block } from '../domain/blocks/block.js';
import { verdictObject } from '../domain/engine/verdict-json.js';
import { verdictKey } from '../domain/engine/verdicts.js';
import { SentinelaError } from '../errors.js';
import type { Config } from '../config/config.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign } from './signature.js';

/** Somewhere a block change is pushed: one delivery attempt; throws PUSH_FAILED to be retried. */
export interface PushTarget {
  readonly name: string;
  deliver(record: Block, now: number): Promise<void>;
  /** The payload as it is sent (kept with a dead letter). */
  payload(record: Block): string;
}

const TIMEOUT_MS = 5_000;

async function post(url: string, body: string, headers: Record<string, string>, what: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new SentinelaError('PUSH_FAILED', `${what}: ${(err as Error).message}`, {}, { cause: err });
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new SentinelaError('PUSH_FAILED', `${what}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return text;
}

/** POSTs a JSON body signed as src/push/signature.ts describes (block pushes and alarms). */
export async function postSigned(to: { url: string; secret: string }, body: string, now: number, what: string): Promise<void> {
  const ts = Math.floor(now / 1000);
  await post(to.url, body, { [SIGNATURE_HEADER]: sign(to.secret, ts, body), [TIMESTAMP_HEADER]: String(ts), [DELIVERY_HEADER]: randomUUID() }, what);
}

/** A signed JSON webhook: `block.created` and `block.lifted` events carrying the block in its wire form (verdictJson). */
export class WebhookTarget implements PushTarget {
  readonly name = 'webhook';
  constructor(private readonly o: { url: string; secret: string }) {}

  payload(r: Block): string {
    return JSON.stringify({ event: r.state === 'lifted' ? 'block.lifted' : 'block.created', block: verdictObject(r) });
  }

  async deliver(r: Block, now: number): Promise<void> {
    await postSigned(this.o, this.payload(r), now, `webhook ${this.o.url}`);
  }
}

/**
 * Kamailio: blocks become entries of an htable through JSON-RPC over HTTP (modules xhttp + jsonrpcs):
 * `htable.sets` then `htable.setex` (the entry expires with the block), `htable.delete` on unblock. The key is
 * `tenant:kind:value` (e.g. acme:caller:+551130001000); README "Pushing blocks" has the kamailio.cfg side.
 * Blocks of scope `international` and throttles are not pushed: block-check alone applies them.
 */
export class KamailioTarget implements PushTarget {
  readonly name = 'kamailio';
  private id = 1;
  constructor(private readonly o: { url: string; htable: string }) {}

  static key(r: Pick<Block, 'tenant' | 'subject'>): string {
    return `${r.tenant}:${r.subject.kind}:${r.subject.value}`;
  }

  payload(r: Block): string {
    return JSON.stringify(this.calls(r, Date.now()));
  }

  async deliver(r: Block, now: number): Promise<void> {
    for (const call of this.calls(r, now)) {
      const text = await post(this.o.url, JSON.stringify(call), {}, `kamailio ${call.method}`);
      let reply: { error?: { code?: number; message?: string } };
      try {
        reply = JSON.parse(text) as typeof reply;
      } catch {
        throw new SentinelaError('PUSH_FAILED', `kamailio ${call.method}: reply is not JSON: ${text.slice(0, 200)}`);
      }
      // deleting a key that is already gone (expired in Kamailio) is success
      if (reply.error && !(call.method === 'htable.delete' && reply.error.code === 404)) {
        throw new SentinelaError('PUSH_FAILED', `kamailio ${call.method}: ${reply.error.code ?? ''} ${reply.error.message ?? ''}`);
      }
    }
  }

  private calls(r: Block, now: number): { jsonrpc: '2.0'; method: string; params: (string | number)[]; id: number }[] {
    const key = KamailioTarget.key(r);
    const rpc = (method: string, params: (string | number)[]) => ({ jsonrpc: '2.0' as const, method, params, id: this.id++ });
    // a throttle lets calls through at its rate: the htable can only refuse, so throttles stay with block-check
    // (and lifting one must not delete the entry of a block of the same subject)
    if (r.throttle !== undefined) return [];
    if (r.state === 'lifted') return [rpc('htable.delete', [this.o.htable, key])];
    // the htable refuses every call of a subject: a block of international calls only stays with block-check,
    // which knows the call's destination (pushing it would refuse the subject's national calls too)
    if (r.scope !== 'all') return [];
    const ttl = Math.max(1, Math.ceil((r.expiresAt - now) / 1000));
    return [rpc('htable.sets', [this.o.htable, key, `${r.rule}|${r.id}|${verdictKey(r)}`]), rpc('htable.setex', [this.o.htable, key, ttl])];
  }
}

/** The push targets a deployment configured (none: blocks are not pushed). */
export function pushTargets(push: Config['push']): PushTarget[] {
  const targets: PushTarget[] = [];
  if (push.webhook) targets.push(new WebhookTarget(push.webhook));
  if (push.kamailio) targets.push(new KamailioTarget(push.kamailio));
  return targets;
}
