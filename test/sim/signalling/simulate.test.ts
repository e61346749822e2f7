import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventId, parseEvent } from '../../../src/domain/signalling/event.js';
import { SIG_ATTACK_KINDS, type SimEvent } from '../../../src/sim/signalling/model.js';
import { simulateSignalling } from '../../../src/sim/signalling/simulate.js';

// three days of a tenth of the offices: ~150k events, a few seconds; the same run shared by the tests
const small = (seed = 11) => simulateSignalling({ seed, days: 3, scale: 0.1 });
const run = small();
const events: SimEvent[] = [...run.events()];
const labels = run.labels;

describe('sentinela signalling simulator', () => {
  it('is deterministic: the same seed gives the same events and labels, another seed others', () => {
    const again = small();
    assert.deepEqual([...again.events()], events);
    assert.deepEqual(JSON.stringify(again.labels), JSON.stringify(labels));
    const other = [...small(12).events()].slice(0, 1000);
    assert.notDeepEqual(other, events.slice(0, 1000));
  });

  it('writes events in time order that pass the security-event contract, each with its own id', () => {
    let previous = -Infinity;
    const ids = new Set<string>();
    for (const [i, s] of events.entries()) {
      assert.ok(s.event.at >= previous, `event ${i} out of order`);
      previous = s.event.at;
      ids.add(eventId(s.event));
      if (s.event.type === 'registered' && s.episode === undefined && i % 50 !== 0) continue;
      const parsed = parseEvent(s.event);
      assert.ok(parsed.ok, parsed.ok ? '' : `event ${i}: ${parsed.error.message}`);
      assert.deepEqual(parsed.event, s.event);
    }
    assert.equal(ids.size, events.length, 'no two events are the same event (the book would drop one as a duplicate)');
    assert.ok(events.every((s) => s.event.at < labels.end));
  });

  it('labels: every attack event belongs to an episode that lists its address, its count and its times', () => {
    const byEpisode = new Map<string, SimEvent[]>();
    for (const s of events) if (s.episode !== undefined) byEpisode.set(s.episode, [...(byEpisode.get(s.episode) ?? []), s]);
    assert.ok(labels.episodes.length >= 10, `${labels.episodes.length} episodes`);
    assert.deepEqual([...byEpisode.keys()].sort(), labels.episodes.map((e) => e.id).sort());
    for (const e of labels.episodes) {
      const mine = byEpisode.get(e.id) ?? [];
      assert.ok(SIG_ATTACK_KINDS.includes(e.kind));
      assert.equal(mine.length, e.events, e.id);
      assert.deepEqual(new Set(mine.map((s) => s.event.srcIp)), new Set(e.attackerIps), e.id);
      assert.equal(Math.min(...mine.map((s) => s.event.at)), e.startsAt);
      assert.equal(Math.max(...mine.map((s) => s.event.at)), e.endsAt);
      assert.ok(mine.every((s) => s.event.tenant === e.tenant && s.incident === undefined));
    }
  });

  it('labels: legit events come from labelled legit addresses; an attacker shares one only from inside an office NAT', () => {
    const legit = new Set(labels.addresses.map((a) => a.ip));
    for (const s of events) if (s.episode === undefined) assert.ok(legit.has(s.event.srcIp), `${s.event.type} from ${s.event.srcIp}`);
    for (const e of labels.episodes) {
      const shared = e.attackerIps.filter((ip) => legit.has(ip));
      assert.deepEqual(shared.length > 0, e.kind === 'inside-nat-scan', `${e.id} ${e.kind}`);
    }
    const failures = events.filter((s) => s.episode === undefined && s.event.type !== 'registered');
    assert.ok(
      failures.every((s) => s.incident !== undefined),
      'every legit failure names its incident',
    );
    assert.ok(labels.addresses.some((a) => a.kind === 'cgnat') && labels.addresses.some((a) => a.kind === 'monitor'));
  });
});
