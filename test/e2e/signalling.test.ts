import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDecoder, parseFormatSpec, validate } from '../../src/domain/cdr/formats/registry.js';
import { waitFor } from '../processor/rig.js';
import { freeUdpPort, requirePbxTools, sipExchange, startKamailio, type Kamailio } from '../rig/kamailio.js';
import { startPbxSentinela, type PbxSentinela } from '../rig/pbx.js';
import { percentile, register, type Registration, type RegistrationRun } from '../rig/sipp.js';

/**
 * Real peers for the signalling rules (issue 18): SIPp phones and attackers REGISTER with digest authentication
 * through Kamailio (deploy/kamailio/kamailio.cfg, its security.cfg posting each failure to POST /v1/events from an
 * async worker), an embedded Sentinela (`sentinela start`, shipped rules) counts them and pushes its IP blocks into
 * Kamailio's htable, which refuses the next REGISTER from that address before its password is checked. Each
 * scenario comes from its own loopback address. Figures are printed, never asserted.
 */
const TENANT = 'acme';
const GUESSER_IP = '127.0.0.41';
const SCANNER_IP = '127.0.0.42';
const OFFICE_IP = '127.0.0.43';
const PHONE_IP = '127.0.0.44';
const FALLBACK_IP = '127.0.0.45';
const RETRANSMIT_IP = '127.0.0.46';
const FLOOD_IP = '127.0.0.47';
const REPLAY_IP = '127.0.0.48';
/** The office's 30 phones (2000-2029); the scan's range (100-149) holds a few real extensions too. */
const phones = Array.from({ length: 30 }, (_, i) => ({ user: String(2000 + i), password: `office-${2000 + i}` }));
const SUBSCRIBERS: Record<string, string> = Object.fromEntries([
  ...phones.map((p): [string, string] => [p.user, p.password]),
  ['101', 'ext-101'],
  ['120', 'ext-120'],
  ['300', 'ext-300'],
]);

const statuses = (run: RegistrationRun) => run.outcomes.map((o) => o.status);
/** One REGISTER without credentials (answered 401) whose top Via carries `branch`: the same branch is a retransmission. */
const registerCopy = (sipPort: number, callId: string, branch: string) => (local: number) =>
  [
    `REGISTER sip:127.0.0.1:${sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${branch};rport`,
    `From: <sip:2000@127.0.0.1>;tag=${callId}`,
    `To: <sip:2000@127.0.0.1>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 REGISTER',
    `Contact: <sip:2000@127.0.0.1:${local}>`,
    'Max-Forwards: 70',
    'Expires: 300',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
const PUSHED = '403 Blocked by Sentinela (pushed)';

describe('Kamailio reports REGISTER failures, Sentinela blocks the address at the edge', { timeout: 900_000 }, () => {
  let pbx: PbxSentinela;
  let kamailio: Kamailio;
  const stoppers: (() => Promise<void>)[] = [];

  /** The pushed entry for `ip` in Kamailio's `sentinela` htable (htable.get over JSON-RPC), or undefined. */
  const pushed = async (ip: string): Promise<string | undefined> => {
    const answer = await fetch(kamailio.rpcUrl, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', method: 'htable.get', params: ['sentinela', `${TENANT}:ip:${ip}`], id: 1 }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await answer.json()) as { result?: { item?: { value?: string } } };
    return body.result?.item?.value;
  };
  /** Sentinela's blocks of `ip` (GET /v1/blocks as the operator). */
  const blocksOf = async (ip: string) => {
    const page = (await (await pbx.operatorGet(`/v1/blocks?tenant=${TENANT}&kind=ip&subject=${ip}`)).json()) as {
      items: { subject: string; rule: string; reason: string }[];
    };
    return page.items.filter((b) => b.subject === `ip:${ip}`);
  };
  /** Security events of `type` Sentinela has taken from POST /v1/events. */
  const eventsTaken = (type: string) => pbx.sentinela.metric(`sentinela_security_events_total{topic="http",type="${type}"`);
  /** Event POSTs since log line `from`, as Kamailio's async workers timed them (ms): until Sentinela persisted the event. */
  const posts = (from: number) => {
    const ms = kamailio.log.slice(from).flatMap((l) => {
      const m = / sentinela: event posted code=200 us=(\d+)/.exec(l);
      return m ? [Math.round(Number(m[1]) / 100) / 10] : [];
    });
    return ms.length === 0 ? 'none' : `${ms.length} event POSTs: p50 ${percentile(ms, 50)} ms, p90 ${percentile(ms, 90)} ms, max ${Math.max(...ms)} ms`;
  };
  const refusedFromHtable = (ip: string) => kamailio.log.filter((l) => l.includes(`sentinela: pushed block refuses REGISTER from ${ip} `)).length;

  before(async () => {
    requirePbxTools();
    const sipPort = await freeUdpPort();
    pbx = await startPbxSentinela({ tenant: TENANT, keyName: 'kamailio-signalling-e2e' });
    stoppers.push(() => pbx.stop());
    kamailio = await startKamailio({
      sipPort,
      tcpPort: pbx.rpcPort,
      subscribers: SUBSCRIBERS,
      defines: {
        SENTINELA_URL: pbx.sentinela.url,
        SENTINELA_API_KEY: pbx.key,
        SENTINELA_TENANT: TENANT,
        SENTINELA_SEC_HTTP: true,
        // generous for a busy CI machine: an event POST waits until Sentinela persisted it
        SENTINELA_TIMEOUT: 5,
        SENTINELA_HOLD_DOWN: 2,
      },
    });
    stoppers.push(() => kamailio.stop());
  });
  after(async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  });

  it('wrong passwords for one user: the 5th failure blocks the address, and Kamailio refuses its next REGISTER from the htable', async () => {
    const guesses: Registration[] = Array.from({ length: 10 }, (_, i) => ({ user: '300', password: `guess-${i}` }));
    const logFrom = kamailio.log.length;
    const run = await register(kamailio, guesses, { fromIp: GUESSER_IP, rate: 5 });
    assert.ok(
      statuses(run).every((s) => s === '401 Unauthorized' || s === PUSHED),
      `${statuses(run).join()} ${run.errors}`,
    );
    await waitFor(async () => (await pushed(GUESSER_IP)) !== undefined, `acme:ip:${GUESSER_IP} pushed into the htable`, 60_000);
    const blocks = await blocksOf(GUESSER_IP);
    assert.equal(blocks.length, 1, JSON.stringify(blocks));
    assert.equal(blocks[0]?.rule, 'registration-failures-ip');
    assert.match(blocks[0]?.reason ?? '', /\(5 ≥ 5 in 60s\)/, 'issued at the 5th failure');
    const through = statuses(run).findIndex((s) => s === PUSHED);
    console.log(
      `[signalling-e2e] password guessing, 10 REGISTERs at 5/s for one user: ${through < 0 ? 10 : through} reached the password check, ${statuses(run).filter((s) => s === PUSHED).length} refused by the htable; ${posts(logFrom)}`,
    );

    // the right password from the blocked address: refused before its password is checked
    const again = await register(kamailio, [{ user: '300', password: 'ext-300' }], { fromIp: GUESSER_IP });
    assert.deepEqual(statuses(again), [PUSHED], again.errors);
    assert.ok(refusedFromHtable(GUESSER_IP) >= 1);
    // the block is of the address: the user's own phone elsewhere still registers
    const owner = await register(kamailio, [{ user: '300', password: 'ext-300' }], { fromIp: PHONE_IP });
    assert.deepEqual(statuses(owner), ['200 OK'], owner.errors);
  });

  it('a scan of 50 extensions from one address is blocked by its 5th failure', async () => {
    const scan: Registration[] = Array.from({ length: 50 }, (_, i) => ({
      user: String(100 + i),
      password: 'password',
      userAgent: 'PolycomVVX-VVX_400-UA/5.9.0',
    }));
    const logFrom = kamailio.log.length;
    const started = Date.now();
    const run = await register(kamailio, scan, { fromIp: SCANNER_IP, rate: 20, limit: 5 });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(
      statuses(run).every((s) => s === '401 Unauthorized' || s === PUSHED),
      `${statuses(run).join()} ${run.errors}`,
    );
    await waitFor(async () => (await pushed(SCANNER_IP)) !== undefined, `acme:ip:${SCANNER_IP} pushed into the htable`, 60_000);
    const blocks = await blocksOf(SCANNER_IP);
    assert.equal(blocks.length, 1, JSON.stringify(blocks));
    assert.equal(blocks[0]?.rule, 'registration-failures-ip');
    assert.match(blocks[0]?.reason ?? '', /\(5 ≥ 5 in 60s\)/, 'issued at the 5th failure');
    const failed = statuses(run).filter((s) => s === '401 Unauthorized').length;
    const refused = statuses(run).filter((s) => s === PUSHED).length;
    assert.ok(failed >= 5, 'a block needs 5 failures');
    console.log(
      `[signalling-e2e] extension scan, 50 REGISTERs (100-149) at 20/s, 5 at once, in ${seconds.toFixed(1)} s: ${failed} reached the password check (401), ${refused} refused by the htable (403); the block came at the 5th failure; ${posts(logFrom)}`,
    );
    const next = await register(kamailio, [{ user: '150', password: 'password' }], { fromIp: SCANNER_IP });
    assert.deepEqual(statuses(next), [PUSHED], next.errors);
  });

  it('30 known phones failing twice each after an outage are not blocked, and register again', async () => {
    const taken = await eventsTaken('registered');
    const first = await register(kamailio, phones, { fromIp: OFFICE_IP, rate: 20, limit: 10 });
    assert.deepEqual(statuses(first), Array<string>(30).fill('200 OK'), first.errors);
    // the 30 `registered` events made the phones known at the office address before they fail
    await waitFor(async () => (await eventsTaken('registered')) >= taken + 30, '30 registered events evaluated', 60_000);

    // the PBX's password store came back stale: every phone retries twice with the password it has, within a minute
    const failing = phones.flatMap((p) => [0, 1].map(() => ({ user: p.user, password: 'stale-password' })));
    const before = await eventsTaken('auth-failed');
    const logFrom = kamailio.log.length;
    const started = Date.now();
    const outage = await register(kamailio, failing, { fromIp: OFFICE_IP, rate: 20, limit: 10 });
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(statuses(outage), Array<string>(60).fill('401 Unauthorized'), outage.errors);
    await waitFor(async () => (await eventsTaken('auth-failed')) >= before + 60, '60 auth-failed events evaluated', 60_000);
    assert.deepEqual(await blocksOf(OFFICE_IP), [], 'no block of the office');
    assert.equal(await pushed(OFFICE_IP), undefined, 'nothing pushed for the office');
    console.log(
      `[signalling-e2e] outage: 30 known phones × 2 wrong passwords = 60 failed REGISTERs from one address in ${seconds.toFixed(1)} s: 0 blocks (a known user's first 3 failures in the window do not count); ${posts(logFrom)}`,
    );
    const back = await register(kamailio, phones, { fromIp: OFFICE_IP, rate: 20, limit: 10 });
    assert.deepEqual(statuses(back), Array<string>(30).fill('200 OK'), back.errors);
  });

  it('a REGISTER retransmitted with its Via branch is no flood; copies with new branches, or a replay past 11 sends, are', async () => {
    const copy = (callId: string, branch: string) => registerCopy(kamailio.sipPort, callId, branch);
    const before = await eventsTaken('flood-sample');
    // a phone whose answers were lost (an outage): its REGISTER sent 6 times with one branch, answered each time,
    // then a new transaction with the same Call-ID and CSeq (copy 2 of that fingerprint: one event, count 2)
    const phone = await sipExchange(kamailio.sipPort, [...Array<ReturnType<typeof copy>>(6).fill(copy('retransmit-1', 'lost')), copy('retransmit-1', 'next')], {
      fromIp: RETRANSMIT_IP,
      waitMs: 10_000,
    });
    assert.deepEqual(phone, Array<string>(7).fill('SIP/2.0 401 Unauthorized'));
    // a flood tool: 6 copies, each with a branch of its own (2 events: copy 2 with count 2, copy 5 with count 3)
    const flood = await sipExchange(
      kamailio.sipPort,
      Array.from({ length: 6 }, (_, i) => copy('flood-1', `flood-${i}`)),
      { fromIp: FLOOD_IP, waitMs: 10_000 },
    );
    assert.ok(
      flood.every((s) => s === 'SIP/2.0 401 Unauthorized' || s === `SIP/2.0 ${PUSHED}`),
      flood.join(),
    );
    // the same bytes 15 times: more than RFC 3261 timers send (11 in 32 s), so sends 12-15 count (2 events)
    const replay = await sipExchange(kamailio.sipPort, Array<ReturnType<typeof copy>>(15).fill(copy('replay-1', 'replayed')), {
      fromIp: REPLAY_IP,
      waitMs: 10_000,
    });
    assert.ok(
      replay.every((s) => s === 'SIP/2.0 401 Unauthorized' || s === `SIP/2.0 ${PUSHED}`),
      replay.join(),
    );

    for (const ip of [FLOOD_IP, REPLAY_IP]) {
      await waitFor(async () => (await pushed(ip)) !== undefined, `acme:ip:${ip} pushed into the htable`, 60_000);
      const blocks = await blocksOf(ip);
      assert.deepEqual(
        blocks.map((b) => b.rule),
        ['signalling-flood'],
        JSON.stringify(blocks),
      );
    }
    await waitFor(async () => (await eventsTaken('flood-sample')) >= before + 5, '5 flood-sample events evaluated', 60_000);
    assert.equal(await eventsTaken('flood-sample'), before + 5, 'the retransmissions made no flood-sample event');
    assert.deepEqual(await blocksOf(RETRANSMIT_IP), [], 'no block of the retransmitting phone');
    assert.equal(await pushed(RETRANSMIT_IP), undefined);
    console.log(
      `[signalling-e2e] one REGISTER sent 6 times with its branch, then once with a new one: 1 flood-sample (count 2), no block; 6 copies with new branches and 15 sends of the same bytes: signalling-flood blocks`,
    );
  });

  it('with Sentinela down an event is written to the log instead, in the format Sentinela reads', async () => {
    await pbx.sentinela.stop();
    const before = Date.now();
    const run = await register(kamailio, [{ user: '101', password: 'wrong' }], { fromIp: FALLBACK_IP });
    assert.deepEqual(statuses(run), ['401 Unauthorized'], run.errors);
    const callId = run.outcomes[0]?.callId ?? '';
    await waitFor(async () => kamailio.log.some((l) => l.includes('sentinela-event ') && l.includes(callId)), 'the event written to the log', 30_000);
    const line = kamailio.log.find((l) => l.includes('sentinela-event ') && l.includes(callId)) ?? '';
    // read as Sentinela's file or Kafka source would read that log (format kamailio-security)
    const decoder = createDecoder(parseFormatSpec('kamailio-security'), { timeZone: 'UTC', mappings: new Map() });
    const [result] = validate(decoder.decode(Buffer.from(line), 1));
    assert.ok(result?.ok && 'event' in result, JSON.stringify(result));
    const { type, srcIp, user, tenant, at } = result.event;
    assert.deepEqual({ type, srcIp, user, tenant }, { type: 'auth-failed', srcIp: FALLBACK_IP, user: '101', tenant: TENANT });
    // epoch milliseconds (not whole seconds, which merged two failures of one second into one event)
    const written = (JSON.parse(line.slice(line.indexOf('sentinela-event ') + 'sentinela-event '.length)) as { at: unknown }).at;
    assert.equal(written, at);
    assert.ok(at >= before && at <= Date.now(), `at ${at} is the failure's time in ms (${before}..now)`);
    assert.ok(kamailio.log.some((l) => l.includes('sentinela: event delivery failed')));
  });
});
