import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { liftBlock } from '../../src/domain/blocks/block.js';
import { verdictObject } from '../../src/domain/engine/verdict-json.js';
import { WebhookTarget } from '../../src/push/targets.js';
import { edgeNft, elements, ipBlock, netns, post, SECRET } from './rig.js';

const NOW = Date.parse('2026-03-02T18:00:00-03:00');
const TS = Math.floor(NOW / 1000);
const clock = () => NOW;
const payload = (b: Parameters<WebhookTarget['payload']>[0]) => new WebhookTarget({ url: 'http://unused', secret: SECRET }).payload(b);

describe('sentinela edge nft: pushed IP blocks in nftables sets (real nft in a network namespace)', () => {
  it('adds an IP block with its remaining lifetime as timeout (IPv6 in its own set) and deletes it on unblock', async (t) => {
    const { ns, nft } = netns(t);
    const url = await edgeNft(t, nft, clock);
    const pusher = new WebhookTarget({ url, secret: SECRET });
    const v4 = ipBlock('b-1', '203.0.113.7', NOW - 60_000, 360);
    await pusher.deliver(v4, NOW);
    await pusher.deliver(ipBlock('b-2', '2001:db8::7', NOW, 600), NOW);
    assert.deepEqual(elements(ns, 'blocked4'), [{ val: '203.0.113.7', timeout: 300 }], 'seconds left until expiresAt');
    assert.deepEqual(elements(ns, 'blocked6'), [{ val: '2001:db8::7', timeout: 600 }]);

    await pusher.deliver(liftBlock(v4, NOW, 'noc', 'customer called'), NOW);
    assert.deepEqual(elements(ns, 'blocked4'), []);
    // expired in the kernel, or lifted twice: the delete is done, not a failure the pusher would retry
    const again = await post(url, payload(liftBlock(v4, NOW, 'noc', 'again')), { ts: TS });
    assert.deepEqual([again.status, again.body], [200, { applied: 'deleted', address: '203.0.113.7', set: 'blocked4', was: 'absent' }]);
  });

  it("refuses bad and stale signatures, replays and malformed bodies; never blocks an allow-listed address nor another tenant's", async (t) => {
    const { ns, nft } = netns(t);
    const url = await edgeNft(t, nft, clock, { SENTINELA_EDGE_ALLOW: '198.51.100.0/24, 2001:db8:5::/48', SENTINELA_EDGE_TENANTS: 'acme, globex' });
    const block = ipBlock('b-3', '203.0.113.9', NOW, 300);
    const body = payload(block);

    const forged = await post(url, body, { ts: TS, secret: 'not-the-shared-secret' });
    assert.deepEqual([forged.status, forged.body['code']], [401, 'EDGE_SIGNATURE_INVALID']);
    const stale = await post(url, body, { ts: TS - 301 });
    assert.deepEqual([stale.status, stale.body['code']], [401, 'EDGE_SIGNATURE_INVALID']);
    assert.deepEqual(elements(ns, 'blocked4'), [], 'nothing added by a refused push');

    const delivery = randomUUID();
    const applied = await post(url, body, { ts: TS, delivery });
    assert.deepEqual([applied.status, applied.body['applied']], [200, 'added'], "a served tenant's block is applied");
    assert.equal((await post(url, payload(liftBlock(block, NOW, 'noc', 'false positive')), { ts: TS })).status, 200);
    assert.deepEqual(elements(ns, 'blocked4'), []);
    // the block captured and sent again after its lift, as it was or under a new delivery id
    const replayed = await post(url, body, { ts: TS, delivery });
    assert.deepEqual([replayed.status, replayed.body['code']], [409, 'EDGE_REPLAYED']);
    assert.equal((await post(url, body, { ts: TS })).status, 409, 'the signature is remembered too');
    assert.deepEqual(elements(ns, 'blocked4'), [], 'not applied twice');

    for (const address of ['198.51.100.5', '::ffff:198.51.100.6', '2001:db8:5::1', '127.0.0.1', '::1']) {
      const res = await post(url, payload(ipBlock(`allow-${address}`, address, NOW, 300)), { ts: TS });
      assert.deepEqual([res.status, res.body['applied']], [200, 'ignored'], address);
    }
    const others = [
      ipBlock('b-4', '+551130001000', NOW, 300, { subject: { kind: 'caller', value: '+551130001000' } }),
      ipBlock('b-5', '203.0.113.10', NOW, 300, { scope: 'international' }),
      ipBlock('b-6', '203.0.113.11', NOW, 300, { throttle: { calls: 2, perMs: 60_000 } }),
      ipBlock('b-7', '203.0.113.0/24', NOW, 300),
      ipBlock('b-8', '203.0.113.12', NOW - 600_000, 300),
      ipBlock('b-9', '203.0.113.13', NOW, 300, { tenant: 'initech' }),
    ];
    for (const other of others) {
      const res = await post(url, payload(other), { ts: TS });
      assert.deepEqual([res.status, res.body['applied']], [200, 'ignored'], `${other.id}: answered, not retried`);
    }
    assert.deepEqual([elements(ns, 'blocked4'), elements(ns, 'blocked6')], [[], []]);

    const truncated = await post(url, JSON.stringify({ event: 'block.created', block: { ...verdictObject(block), expiresAt: 'soon' } }), { ts: TS });
    assert.deepEqual(
      [truncated.status, truncated.body['code'], (truncated.body['details'] as { path: string }).path],
      [400, 'REQUEST_INVALID', 'block.expiresAt'],
    );
    assert.equal((await post(url, 'not json', { ts: TS })).status, 400);
    assert.equal((await post(url, JSON.stringify({ event: 'block.moved', block: {} }), { ts: TS })).status, 400);
  });

  it('keeps an address two blocks hold until the longer ends; an nft failure answers 503 and the same delivery may come again', async (t) => {
    const { ns, nft } = netns(t);
    const url = await edgeNft(t, nft, clock);
    const pusher = new WebhookTarget({ url, secret: SECRET });
    const short = ipBlock('b-short', '203.0.113.20', NOW, 300);
    const long = ipBlock('b-long', '203.0.113.20', NOW, 900, { tenant: 'globex', source: 'manual', createdBy: 'noc' });
    await pusher.deliver(short, NOW);
    await pusher.deliver(long, NOW);
    assert.deepEqual(elements(ns, 'blocked4'), [{ val: '203.0.113.20', timeout: 900 }]);
    await pusher.deliver(liftBlock(long, NOW, 'noc', 'globex asked'), NOW);
    assert.deepEqual(elements(ns, 'blocked4'), [{ val: '203.0.113.20', timeout: 300 }], "acme's block still holds it");
    await pusher.deliver(liftBlock(short, NOW, 'noc', 'done'), NOW);
    assert.deepEqual(elements(ns, 'blocked4'), []);

    const broken = netns(t);
    const brokenUrl = await edgeNft(t, broken.nft, clock);
    broken.remove(); // nft can no longer run there
    const delivery = randomUUID();
    const body = payload(ipBlock('b-9', '203.0.113.21', NOW, 300));
    const failed = await post(brokenUrl, body, { ts: TS, delivery });
    assert.deepEqual([failed.status, failed.body['code']], [503, 'EDGE_NFT_FAILED']);
    assert.equal((await post(brokenUrl, body, { ts: TS, delivery })).status, 503, 'a failed delivery is not taken for a replay');
  });

  it('--init creates the table, sets and drop chain (idempotently), and a blocked address is dropped before it reaches a listener', async (t) => {
    const { ns, nft } = netns(t);
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s) };
    assert.equal(await runCli(['edge', 'nft', '--init', '--nft', nft], {}, io), 0, out.join('\n'));
    assert.match(out.join('\n'), /nft add rule inet sentinela edge ip saddr @blocked4 counter drop/, 'prints the rule to add');
    for (let i = 0; i < 2; i++) assert.equal(await runCli(['edge', 'nft', '--init', '--chain', 'edge'], { SENTINELA_EDGE_NFT: nft }, io), 0, out.join('\n'));
    const chain = execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'chain', 'inet', 'sentinela', 'edge'], { encoding: 'utf8' });
    assert.equal(chain.match(/saddr @blocked\d counter packets \d+ bytes \d+ drop/g)?.length, 2, chain);
    assert.match(chain, /hook prerouting priority raw/);

    const url = await edgeNft(t, nft, clock, { SENTINELA_EDGE_NFT_CHAIN: 'edge' });
    await new WebhookTarget({ url, secret: SECRET }).deliver(ipBlock('b-10', '203.0.113.30', NOW, 300), NOW);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const a of ['203.0.113.30', '203.0.113.31']) execFileSync('ip', ['-n', ns, 'addr', 'add', `${a}/32`, 'dev', 'lo']);
    // the blocked address sends first: had it got through, the listener would have heard it first
    const heard = execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', UDP_PROBE], { encoding: 'utf8', timeout: 20_000 }).trim();
    assert.equal(heard, '203.0.113.31');
    const counted = execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'chain', 'inet', 'sentinela', 'edge'], { encoding: 'utf8' });
    assert.match(counted, /ip saddr @blocked4 counter packets 1 bytes \d+ drop/);
  });
});

/** In the namespace: a SIP-port listener, one datagram from the blocked address, then one from an unblocked one. */
const UDP_PROBE = `
const dgram = require('node:dgram');
const listener = dgram.createSocket('udp4');
listener.on('message', (_m, from) => { console.log(from.address); process.exit(0); });
listener.bind(5060, '203.0.113.31', () => {
  const send = (from, next) => { const s = dgram.createSocket('udp4'); s.bind(0, from, () => s.send('OPTIONS', 5060, '203.0.113.31', () => { s.close(); next(); })); };
  send('203.0.113.30', () => send('203.0.113.31', () => {}));
});`;
