import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseBlockObject } from '../domain/engine/verdict-json.js';
import { SentinelaError, toSentinelaError } from '../errors.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from '../push/signature.js';
import { EdgeBlocks, type EdgeAction } from './edge-blocks.js';
import { NftSets } from './nft.js';
import type { EdgeOptions } from './options.js';

const MAX_BODY = 1 << 20;
const push = z.object({ event: z.enum(['block.created', 'block.lifted']), block: z.unknown() });

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * `sentinela edge nft`: receives the signed webhook pushes of src/push/targets.ts (WebhookTarget) and mirrors IP
 * blocks into nftables sets. A refused push answers 4xx and changes nothing; an nft failure answers 503, so the
 * pusher retries it; a block the edge does not enforce answers 200 (retrying would not change that).
 */
export class EdgeReceiver {
  private server: Server | undefined;
  private readonly blocks: EdgeBlocks;
  /** Delivery ids and signatures seen, until their timestamp leaves the tolerance (older ones fail verify anyway). */
  private readonly seen = new Map<string, number>();
  private readonly order = new Mutex();

  constructor(private readonly o: { options: EdgeOptions & { secret: string }; nft: Pick<NftSets, 'add' | 'remove'>; log: Logger; clock?: () => number }) {
    this.blocks = new EdgeBlocks(o.options.allow, o.options.tenants);
  }

  async listen(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    const { host, port } = this.o.options.listen;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const bound = server.address() as AddressInfo;
    return { host: bound.address, port: bound.port };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.order.waitForUnlock();
  }

  /** One request, already read: what the HTTP server answers. */
  async handle(req: { method: string; url: string; headers: IncomingMessage['headers']; body: string }): Promise<Answer> {
    if (req.method === 'GET' && req.url === '/healthz') return { status: 200, body: { ok: true } };
    if (req.method !== 'POST') throw new SentinelaError('NOT_FOUND', 'POST block pushes here (GET /healthz for health)');
    const header = (name: string) => (typeof req.headers[name] === 'string' ? req.headers[name] : undefined);
    const signature = header(SIGNATURE_HEADER);
    const timestamp = header(TIMESTAMP_HEADER);
    const now = (this.o.clock ?? Date.now)();
    const nowSec = Math.floor(now / 1000);
    const checked = verify(this.o.options.secret, { signature, timestamp }, req.body, nowSec, this.o.options.tolerance);
    if (!checked.ok) throw new SentinelaError('EDGE_SIGNATURE_INVALID', `signature ${checked.reason}`, { reason: checked.reason });
    const delivery = header(DELIVERY_HEADER);
    if (!delivery || delivery.length > 200)
      throw new SentinelaError('REQUEST_INVALID', `${DELIVERY_HEADER}: required (at most 200 characters)`, { path: DELIVERY_HEADER });
    // the signature covers timestamp and body, not the delivery id: a replay under a new id repeats the signature
    const keys = [`d:${delivery}`, `s:${signature}`];
    this.forgetOld(nowSec);
    if (keys.some((k) => this.seen.has(k))) throw new SentinelaError('EDGE_REPLAYED', `delivery ${delivery} was already received`, { delivery });
    for (const k of keys) this.seen.set(k, Number(timestamp) + this.o.options.tolerance);
    const { event, block } = parsePush(req.body);
    try {
      return await this.order.runExclusive(async () => {
        const action = this.blocks.decide(event, block, now);
        const applied = await this.apply(action);
        const fields = {
          event,
          blockId: block.id,
          tenant: block.tenant,
          rule: block.rule,
          subject: `${block.subject.kind}:${block.subject.value}`,
          ...applied,
        };
        if (action.do !== 'ignore') this.o.log.info(fields, 'edge block applied');
        else if (action.loud) this.o.log.warn(fields, 'edge block not applied');
        else this.o.log.debug(fields, 'edge block not applied');
        return { status: 200, body: applied };
      });
    } catch (err) {
      for (const k of keys) this.seen.delete(k); // nothing was applied: the same delivery may come again
      throw err;
    }
  }

  private async apply(action: EdgeAction): Promise<Record<string, unknown>> {
    if (action.do === 'ignore') return { applied: 'ignored', why: action.why };
    if (action.do === 'delete') return { applied: 'deleted', address: action.address, ...(await this.o.nft.remove(action.address)) };
    return { applied: 'added', address: action.address, ...(await this.o.nft.add(action.address, action.seconds)) };
  }

  private forgetOld(nowSec: number): void {
    for (const [key, until] of this.seen) if (until < nowSec) this.seen.delete(key);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.handle({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: await readBody(req) });
    } catch (caught) {
      const err = toSentinelaError(caught);
      const level = err.info.http >= 500 ? 'error' : 'warn';
      this.o.log[level]({ code: err.code, err: err.message, remote: req.socket.remoteAddress }, 'edge push refused');
      answer = { status: err.info.http, body: err.toJSON() };
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }
}

/** Creates the table and sets (and the chain when one is named), then receives pushes: `sentinela edge nft`. */
export async function startEdgeNft(options: EdgeOptions, log: Logger, clock: () => number = Date.now) {
  const { secret } = options;
  if (secret === undefined) throw new SentinelaError('CONFIG_INVALID', '--secret (SENTINELA_EDGE_SECRET): required to receive pushes', { path: 'secret' });
  const nft = new NftSets(options);
  await nft.ensure();
  const receiver = new EdgeReceiver({ options: { ...options, secret }, nft, log, clock });
  const bound = await receiver.listen();
  const { family, table, set4, set6, chain } = options;
  log.info(
    {
      listen: bound,
      nft: options.nft.join(' '),
      table: `${family} ${table}`,
      sets: [set4, set6],
      chain,
      allow: options.allow,
      tenants: options.tenants ?? 'all',
    },
    'edge nft receiver listening',
  );
  if (chain === undefined) log.info({ rules: nft.ruleHint() }, "no --chain: add a rule dropping the sets' addresses (these, or the same in a chain of yours)");
  return { receiver, bound, nft };
}

/** The event and its block; a problem names its field (`block.expiresAt`). */
function parsePush(body: string) {
  const at = (prefix: string, err: unknown): never => {
    const issue = err instanceof z.ZodError ? err.issues[0] : undefined;
    const path = [prefix, ...(issue?.path ?? [])].filter((p) => p !== '').join('.');
    throw new SentinelaError('REQUEST_INVALID', `push body: ${path ? `${path}: ` : ''}${issue?.message ?? (err as Error).message}`, { path }, { cause: err });
  };
  let event: z.output<typeof push>['event'];
  let block: unknown;
  try {
    ({ event, block } = push.parse(JSON.parse(body)));
  } catch (err) {
    return at('', err);
  }
  try {
    return { event, block: parseBlockObject(block) };
  } catch (err) {
    return at('block', err);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new SentinelaError('REQUEST_TOO_LARGE', `push body over ${MAX_BODY} bytes`));
        req.pause();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
