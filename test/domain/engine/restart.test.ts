import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Cdr } from '../../../src/domain/cdr/contract.js';
import type { Verdict } from '../../../src/domain/engine/verdicts.js';
import type { UsageSnapshot } from '../../../src/domain/usage/usage-snapshot.js';
import { alertsOf, blocksOf, harness } from './harness.js';
import { pinned } from '../../rig/property.js';

const RULES = ['velocity-ip', 'velocity-account', 'velocity-caller', 'credential-stuffing', 'new-international-destination'];
const START = Date.parse('2026-04-16T08:00:00-03:00');
const profiles = { tenants: { acme: { international: { policy: 'allow' } } } };

/** Office-like traffic over two days: bursts of a few calls from a handful of callers, IPs and accounts. */
const traffic = fc.array(
  fc.record({
    minute: fc.integer({ min: 0, max: 2 * 24 * 60 }),
    burst: fc.integer({ min: 1, max: 9 }),
    ip: fc.integer({ min: 0, max: 2 }),
    caller: fc.integer({ min: 0, max: 7 }),
    account: fc.integer({ min: 0, max: 2 }),
    abroad: fc.boolean(),
    billSec: fc.integer({ min: 0, max: 900 }),
  }),
  { minLength: 5, maxLength: 60 },
);

const view = (v: Verdict) => (v.kind === 'block' ? [v.kind, v.id, v.level, v.startsAt, v.expiresAt] : [v.kind, v.id, v.severity]);

describe('G3: learned usage survives a restart', () => {
  it('property: a restart mid-stream (usage snapshot, blocks, replay of the state horizon) gives the same verdicts as an uninterrupted run', () => {
    fc.assert(
      fc.property(traffic, fc.double({ min: 0.2, max: 0.9, noNaN: true }), (bursts, cutAt) => {
        const make = harness({ only: RULES, profiles });
        const cdrs: Cdr[] = [];
        for (const b of bursts) {
          for (let i = 0; i < b.burst; i++) {
            const t = START + b.minute * 60_000 + i * 7000;
            cdrs.push(
              make.call(new Date(t).toISOString(), {
                srcIp: `198.51.100.${b.ip}`,
                caller: `+55113000100${(b.caller + i) % 8}`,
                account: `acct${b.account}`,
                callee: b.abroad ? `+35121300${String(i).padStart(4, '0')}` : `+55114000${String(2000 + i)}`,
                billSec: b.billSec,
              }),
            );
          }
        }
        // exporters deliver a CDR when its call ends: arrival order is call-end order
        cdrs.sort((a, b) => a.endedAt - b.endedAt || a.startedAt - b.startedAt);
        const cut = Math.max(1, Math.floor(cdrs.length * cutAt));
        const whole = harness({ only: RULES, profiles });
        const expected = cdrs.flatMap((c, i) => (i < cut ? (whole.process(c), []) : [...whole.process(c).verdicts]));

        const before = harness({ only: RULES, profiles });
        const issued = cdrs.slice(0, cut).flatMap((c) => [...before.process(c).verdicts]);
        const snapshots = JSON.parse(JSON.stringify(before.engine.usageSnapshots())) as UsageSnapshot[];
        const now = (cdrs[cut - 1] as Cdr).endedAt;

        const after = harness({ only: RULES, profiles });
        after.engine.restoreUsage(snapshots);
        // as the rebuild reads them back: alerts of its horizon oldest first, then blocks
        const since = now - after.engine.alertHorizonMs;
        for (const a of alertsOf(issued).sort((x, y) => x.at - y.at)) if (a.at >= since) after.engine.restoreAlert(a);
        for (const b of blocksOf(issued)) after.engine.restoreBlock(b);
        const horizon = now - after.engine.stateHorizonMs;
        // the store replays the state horizon in call-end order (ClickHouseStore.recentCdrs)
        for (const c of cdrs.slice(0, cut).filter((c) => c.startedAt >= horizon)) after.engine.process(c, now, true);
        const got = cdrs.slice(cut).flatMap((c) => [...after.process(c).verdicts]);
        assert.deepEqual(got.map(view), expected.map(view));
      }),
      // a fixed seed keeps CI reproducible; 3,000 random runs passed once the rebuild restored alerts and stopped
      // deciding on replayed CDRs (each case had found a difference: a repeated warn, a block one level higher).
      // The example below was 8 in 1,500 random runs: an office's first minute on a tenant's first day, warned
      // about as a site opening, was tainted when its replayed calls were judged against the end-of-run profile
      // (by then the account had a second address), so the restarted engine blocked the office two minutes later.
      // The second, 1 in ~1,000 random runs: a warn whose threshold was reached 25 s before the call that raised it
      // (a new account on the IP lowered it) was quiet for its cooldown from that call, but restored from the
      // threshold's time, so the restarted engine warned again 25 s early; its call's start is now stored with it.
      {
        ...pinned({ numRuns: 150, seed: 20261202 }),
        examples: [
          [
            [
              { minute: 0, burst: 5, ip: 2, caller: 0, account: 0, abroad: false, billSec: 0 },
              { minute: 0, burst: 1, ip: 0, caller: 0, account: 1, abroad: false, billSec: 0 },
              { minute: 0, burst: 1, ip: 0, caller: 0, account: 1, abroad: false, billSec: 0 },
              { minute: 0, burst: 1, ip: 0, caller: 0, account: 0, abroad: false, billSec: 29 },
              { minute: 2, burst: 4, ip: 2, caller: 0, account: 0, abroad: false, billSec: 0 },
              { minute: 2, burst: 1, ip: 2, caller: 0, account: 0, abroad: false, billSec: 0 },
            ],
            0.6153846153846154,
          ],
          [
            [
              { minute: 2604, burst: 6, ip: 2, caller: 0, account: 0, abroad: false, billSec: 0 },
              { minute: 0, burst: 2, ip: 2, caller: 0, account: 0, abroad: false, billSec: 0 },
              { minute: 0, burst: 2, ip: 2, caller: 2, account: 0, abroad: false, billSec: 0 },
              { minute: 0, burst: 1, ip: 0, caller: 0, account: 0, abroad: false, billSec: 0 },
              { minute: 2605, burst: 6, ip: 2, caller: 0, account: 1, abroad: false, billSec: 0 },
              { minute: 0, burst: 1, ip: 0, caller: 0, account: 0, abroad: false, billSec: 0 },
              { minute: 0, burst: 1, ip: 0, caller: 0, account: 0, abroad: false, billSec: 0 },
            ],
            0.7368421052631579,
          ],
        ],
      },
    );
  });

  it('a rebuild reads back an alert whose call started most of a window after its threshold time (its cooldown runs from the call)', () => {
    // a warn at one call in 24 h: its second alert is reached at an earlier call of the window, 14 h before its own
    const rule = {
      id: 'one-a-day',
      description: 'Calls of one caller within a day',
      cites: ['F1'],
      match: { directions: ['outbound'] },
      key: 'caller',
      measure: { kind: 'count' },
      window: '24h',
      thresholds: { warn: 1 },
    };
    const at = (hours: number) => new Date(START + hours * 3_600_000).toISOString();
    const make = () => harness({ only: [], rules: [rule] });
    const whole = make();
    const calls = [0, 10, 24 + 1 / 60, 42].map((h) => whole.call(at(h), { billSec: 0 }));
    const issued = calls.slice(0, 3).flatMap((c) => [...whole.process(c).verdicts]);
    assert.equal(alertsOf(issued).length, 2);
    assert.deepEqual(whole.process(calls[3] as Cdr).verdicts, [], 'quiet until a day after the third call');

    const now = START + 41 * 3_600_000;
    const after = make();
    const since = now - after.engine.alertHorizonMs;
    const read = alertsOf(issued).filter((a) => a.at >= since);
    assert.equal(read.length, 2, 'the second alert, reached at hour 10, is read back at hour 41');
    for (const a of read) after.engine.restoreAlert(a);
    for (const c of calls.slice(0, 3).filter((c) => c.startedAt >= now - after.engine.stateHorizonMs)) after.engine.process(c, now, true);
    assert.deepEqual(after.process(calls[3] as Cdr).verdicts, []);
  });
});
