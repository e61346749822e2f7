import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../processor/rig.js';
import { freeUdpPort, requirePbxTools, startKamailio, startUas, type Kamailio } from '../rig/kamailio.js';
import { startPbxSentinela, type PbxSentinela } from '../rig/pbx.js';
import { percentile, placeCalls, type Call, type CallRun } from '../rig/sipp.js';
import type { ServerProcess } from '../rig/server.js';

/**
 * A real PBX in the loop: SIPp places calls through Kamailio (deploy/kamailio/kamailio.cfg and its sentinela.cfg
 * snippet) to a SIPp UAS; Kamailio asks an embedded Sentinela (`sentinela start`, shipped rules) on every INVITE
 * and receives its block pushes into an htable over JSON-RPC. Each scenario calls from its own loopback address,
 * so the attempt rules keyed on the address do not mix scenarios. Figures are printed, never asserted.
 */
const TENANT = 'acme';
/** The bench's address, allow-listed for acme (a PBX trunk): its calls are not counted per address. */
const BENCH_IP = '127.0.0.50';
const HOLD_DOWN_S = 2;
/** Kamailio's block-check timeout (s) while Sentinela is expected to answer: generous, for a busy CI machine. */
const PATIENT_TIMEOUT_S = 3;

const call = (caller: string, callee: string, account = 'vendas'): Call => ({ caller, callee, account });
const statuses = (run: CallRun) => run.outcomes.map((o) => o.status);
const ms = (values: readonly number[]) =>
  values.length === 0
    ? 'no samples'
    : `p50 ${percentile(values, 50)} ms, p90 ${percentile(values, 90)} ms, p99 ${percentile(values, 99)} ms, max ${Math.max(...values)} ms`;

describe('Kamailio + SIPp in front of an embedded Sentinela', { timeout: 900_000 }, () => {
  const ports = { sip: 0, uas: 0 };
  let pbx: PbxSentinela;
  let sentinela: ServerProcess;
  let kamailio: Kamailio;
  let uas: { stop(): Promise<void> };
  const stoppers: (() => Promise<void>)[] = [];

  const kamailioDefines = (extra: Record<string, string | number | true> = {}) => ({
    SENTINELA_URL: sentinela.url,
    SENTINELA_API_KEY: pbx.key,
    SENTINELA_TENANT: TENANT,
    SENTINELA_HOLD_DOWN: HOLD_DOWN_S,
    SENTINELA_TIMEOUT: PATIENT_TIMEOUT_S,
    SIP_GATEWAY: `sip:127.0.0.1:${ports.uas}`,
    // SIPp's scenarios name the account in X-Sentinela-Account, from loopback
    SENTINELA_ACCOUNT_FROM: '127.0.0.0/8',
    ...extra,
  });
  const checks = () => sentinela.metric('sentinela_block_checks_total');
  /** Kamailio asked block-check for this call (its log line names the Call-ID). */
  const asked = (callId: string) => kamailio.log.filter((l) => l.includes(`sentinela: block-check call-id=${callId} `)).length;
  /** How long each of these calls' block-checks took, as Kamailio timed the HTTP request (ms). */
  const answerMs = (run: CallRun) => {
    const ids = new Set(run.outcomes.map((o) => o.callId));
    return kamailio.log.flatMap((l) => {
      const m = / sentinela: answer call-id=(\S+) code=\S+ us=(\d+)/.exec(l);
      return m && ids.has(m[1] ?? '') ? [Math.round(Number(m[2]) / 100) / 10] : [];
    });
  };

  before(async () => {
    requirePbxTools();
    Object.assign(ports, { sip: await freeUdpPort(), uas: await freeUdpPort() });
    pbx = await startPbxSentinela({ tenant: TENANT, allowIps: [BENCH_IP], keyName: 'kamailio-e2e' });
    sentinela = pbx.sentinela;
    stoppers.push(() => pbx.stop());
    uas = await startUas(ports.uas);
    stoppers.push(() => uas.stop());
    kamailio = await startKamailio({ sipPort: ports.sip, tcpPort: pbx.rpcPort, defines: kamailioDefines() });
    stoppers.push(() => kamailio.stop());
  });
  /** Restarts Kamailio with other settings (its htable of pushed blocks starts empty). */
  const restartKamailio = async (extra: Record<string, string | number | true>) => {
    await kamailio.stop();
    kamailio = await startKamailio({ sipPort: ports.sip, tcpPort: pbx.rpcPort, defines: kamailioDefines(extra) });
  };
  after(async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  });

  it('ordinary calls pass (200), each asked once', async () => {
    const before = await checks();
    const run = await placeCalls(
      kamailio,
      [call('+551130001000', '+551130002001'), call('+551130001000', '+551130002002'), call('+551130001001', '1140002003')],
      {
        fromIp: '127.0.0.31',
      },
    );
    assert.deepEqual(statuses(run), ['200 OK', '200 OK', '200 OK'], run.errors);
    assert.deepEqual(
      run.outcomes.map((o) => asked(o.callId)),
      [1, 1, 1],
    );
    assert.equal((await checks()) - before, 3);
  });

  it('a burst from one caller is refused (403) by attempt velocity before any CDR exists', async () => {
    // no CDR is ever posted in this test: only block-checks (attempts) reach Sentinela
    const burst = Array.from({ length: 8 }, (_, i) => call('+551130001100', `+55113000310${i}`));
    // the 5th distinct number within a minute crosses the threshold: counted on the attempt thread once answered,
    // its block refuses the calls after it. Two SIPp runs: one that is late on its schedule places calls back to
    // back, a millisecond after the previous answer, and the thread's block may land a call later
    const allowed = await placeCalls(kamailio, burst.slice(0, 5), { fromIp: '127.0.0.32' });
    assert.deepEqual(statuses(allowed), ['200 OK', '200 OK', '200 OK', '200 OK', '200 OK'], allowed.errors);
    const run = await placeCalls(kamailio, burst.slice(5), { fromIp: '127.0.0.32' });
    const s = statuses(run);
    // refused by block-check's answer, or, once the block has been pushed, by Kamailio's htable without asking
    assert.ok(
      s.every((status) => status.startsWith('403 Blocked by Sentinela')),
      s.join(', '),
    );
    const sixth = run.outcomes[0]?.callId ?? '';
    const answered = kamailio.log.find((l) => l.includes(`sentinela: block call-id=${sixth} `));
    if (answered) assert.match(answered, /"rule":"attempt-velocity-caller","subject":"caller:\+551130001100"/);
    else assert.ok(kamailio.log.some((l) => l.includes(`pushed block refuses call-id=${sixth} caller=+551130001100`)));
  });

  it('a profile-denied international call and a premium 0900 call are refused', async () => {
    const run = await placeCalls(
      kamailio,
      [call('+551130001200', '+351211234567'), call('+551130001200', '09001234567'), call('+551130001200', '+551130002200')],
      {
        fromIp: '127.0.0.33',
      },
    );
    assert.deepEqual(statuses(run), ['403 Blocked by Sentinela', '403 Blocked by Sentinela', '200 OK'], run.errors);
    const why = (i: number) => kamailio.log.find((l) => l.includes(`sentinela: block call-id=${run.outcomes[i]?.callId} `)) ?? '';
    assert.match(why(0), /"rule":"profile-international"/);
    assert.match(why(1), /"rule":"profile-premium"/);
  });

  it('a block pushed into the htable refuses the next call without asking block-check; 190 still passes', async () => {
    // the burst blocked +551130001100 (and its address): Sentinela pushes both blocks to Kamailio's htable
    await waitFor(async () => (await sentinela.metric('sentinela_pushes{outcome="delivered"}')) >= 2, 'the burst blocks pushed to Kamailio', 60_000);
    const before = await checks();
    const run = await placeCalls(kamailio, [call('+551130001100', '+551130003200')], { fromIp: '127.0.0.34' });
    assert.deepEqual(statuses(run), ['403 Blocked by Sentinela (pushed)'], run.errors);
    assert.equal(asked(run.outcomes[0]?.callId ?? ''), 0, 'Kamailio did not ask');
    assert.equal((await checks()) - before, 0, "Sentinela's block-check counter did not move");

    const flush = await fetch(kamailio.rpcUrl, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', method: 'htable.flush', params: ['sentinela'], id: 1 }),
    });
    assert.equal(flush.status, 403, 'the push receiver takes only the htable methods Sentinela uses');

    const emergency = await placeCalls(kamailio, [call('+551130001100', '190')], { fromIp: '127.0.0.34' });
    assert.deepEqual(statuses(emergency), ['200 OK'], emergency.errors);
    assert.equal(asked(emergency.outcomes[0]?.callId ?? ''), 1, 'emergency calls skip the htable and are asked');
    assert.equal((await checks()) - before, 1);
  });

  it("an operator's unblock reaches Kamailio's htable: the caller's next call is asked again", async () => {
    const found = (await (await pbx.operatorGet(`/v1/blocks?tenant=${TENANT}&kind=caller&subject=551130001100`)).json()) as { items: { id: string }[] };
    assert.equal(found.items.length, 1, JSON.stringify(found));
    const delivered = await sentinela.metric('sentinela_pushes{outcome="delivered"}');
    const lifted = await pbx.operatorPost(`/v1/blocks/${found.items[0]?.id}/unblock`, { reason: 'e2e: the sales campaign was legitimate' });
    assert.equal(lifted.status, 200, await lifted.text());
    await waitFor(
      async () => (await sentinela.metric('sentinela_pushes{outcome="delivered"}')) > delivered,
      'the unblock pushed to Kamailio (htable.delete)',
      60_000,
    );
    // a redial of the burst's first number, from a new address: no pushed entry left, so Kamailio asks
    const run = await placeCalls(kamailio, [call('+551130001100', '+551130003100')], { fromIp: '127.0.0.38' });
    assert.equal(asked(run.outcomes[0]?.callId ?? ''), 1, `asked again (${run.outcomes[0]?.status})`);
    assert.match(run.outcomes[0]?.status ?? '', /^(200 OK|403 Blocked by Sentinela)$/, run.errors);
  });

  it('measures block-check latency at 50 calls/s against calls that do not ask (same run)', async () => {
    const n = 300;
    const before = await checks();
    const [checked, unchecked] = await Promise.all([
      placeCalls(
        kamailio,
        Array.from({ length: n }, () => call('+551130009000', '+551130008000')),
        { fromIp: BENCH_IP, rate: 50, limit: 200 },
      ),
      // a 4-digit internal extension: not asked (SENTINELA_UNCHECKED)
      placeCalls(
        kamailio,
        Array.from({ length: n }, () => call('+551130009001', '2001')),
        { fromIp: '127.0.0.51', rate: 50, limit: 200 },
      ),
    ]);
    const asks = (await checks()) - before;
    const ok = (run: CallRun) => run.outcomes.filter((o) => o.status === '200 OK').length;
    console.log(`[kamailio-e2e] 50 calls/s, ${n} calls each way, SIPp INVITE → final answer:`);
    console.log(`[kamailio-e2e]   asking block-check: ${ok(checked)}/${n} answered 200, ${ms(checked.rttMs)}`);
    console.log(`[kamailio-e2e]   not asking (extension): ${ok(unchecked)}/${n} answered 200, ${ms(unchecked.rttMs)}`);
    console.log(`[kamailio-e2e]   the block-check HTTP request as Kamailio timed it: ${ms(answerMs(checked))}`);
    console.log(
      `[kamailio-e2e]   block-checks Sentinela answered: ${asks}, of them retransmissions: ${await sentinela.metric('sentinela_block_check_retransmissions_total')}`,
    );
    assert.equal(ok(checked), n, checked.errors);
    assert.equal(ok(unchecked), n, unchecked.errors);
    // at most: a check slower than the timeout would put Kamailio in hold-down for the next calls
    assert.ok(
      checked.outcomes.every((o) => asked(o.callId) <= 1),
      'no checked call asked twice',
    );
    assert.ok(
      unchecked.outcomes.every((o) => asked(o.callId) === 0),
      'extensions not asked',
    );
    assert.ok(asks <= n, 'Sentinela answered no more checks than there were calls');
  });

  it('a hung Sentinela (SIGSTOP) costs each call at most the timeout once, then the fail policy (open)', async () => {
    const calls = Array.from({ length: 20 }, (_, i) => call(`+5511300014${String(i).padStart(2, '0')}`, '+551130002400'));
    await restartKamailio({ SENTINELA_TIMEOUT: 1 }); // the shipped default
    sentinela.pause();
    let run: CallRun;
    let hangUp: CallRun;
    try {
      run = await placeCalls(kamailio, calls, { fromIp: '127.0.0.35', rate: 10, limit: 50 });
      await new Promise((resolve) => setTimeout(resolve, (HOLD_DOWN_S + 1) * 1000));
      // a caller who hangs up while the check waits: tm answers the CANCEL at once (no lock held during the check)
      hangUp = await placeCalls(kamailio, [call('+551130001499', '+551130002401')], { fromIp: '127.0.0.35', scenario: 'uac-cancel' });
    } finally {
      sentinela.resume();
    }
    const askedPerCall = run.outcomes.map((o) => asked(o.callId));
    console.log(`[kamailio-e2e] Sentinela stopped with SIGSTOP, 20 calls at 10 calls/s (timeout 1 s, hold-down ${HOLD_DOWN_S} s):`);
    console.log(`[kamailio-e2e]   ${statuses(run).filter((s) => s === '200 OK').length}/20 answered 200 (fail-open), ${ms(run.rttMs)}`);
    console.log(
      `[kamailio-e2e]   block-check requests Kamailio made: ${askedPerCall.reduce((a, b) => a + b, 0)} (per call: ${askedPerCall.join(' ')}), each gave up after ${answerMs(run).join(', ')} ms`,
    );
    assert.deepEqual(statuses(run), Array<string>(20).fill('200 OK'), run.errors);
    assert.ok(
      askedPerCall.every((n) => n <= 1),
      'never asked twice for one call (SIPp retransmissions absorbed by the transaction)',
    );
    assert.ok(askedPerCall.some((n) => n === 1) && kamailio.log.some((l) => /block-check failed \(code 28\)/.test(l)), 'asked, and timed out');
    console.log(
      `[kamailio-e2e]   a call hung up 300 ms after its 100 Trying while the check waited: ${statuses(hangUp).join()}, CANCEL → 487 in ${hangUp.rttMs.join()} ms`,
    );
    assert.deepEqual(statuses(hangUp), ['487 cancelled'], hangUp.errors);
    assert.equal(asked(hangUp.outcomes[0]?.callId ?? ''), 1, 'it was being checked when it was cancelled');
  });

  it('with Sentinela stopped the fail policy applies: open relays, closed refuses all but emergency calls', async () => {
    await sentinela.stop();
    const open = await placeCalls(kamailio, [call('+551130001500', '+551130002500'), call('+551130001500', '190')], { fromIp: '127.0.0.36' });
    console.log(`[kamailio-e2e] Sentinela stopped (connection refused), fail-open: ${ms(open.rttMs)}`);
    assert.deepEqual(statuses(open), ['200 OK', '200 OK'], open.errors);
    assert.ok(kamailio.log.some((l) => l.includes(`fail-open relays call-id=${open.outcomes[0]?.callId}`)));

    await restartKamailio({ SENTINELA_FAIL_CLOSED: true });
    const closed = await placeCalls(kamailio, [call('+551130001600', '+551130002600'), call('+551130001600', '190')], { fromIp: '127.0.0.37' });
    assert.deepEqual(statuses(closed), ['403 Sentinela unavailable (fail-closed)', '200 OK'], closed.errors);
  });
});
