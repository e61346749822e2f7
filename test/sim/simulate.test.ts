import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCdrJson } from '../../src/domain/cdr/parse.js';
import { EPISODE_TYPES, labelsSchema } from '../../src/sim/labels.js';
import { simulate } from '../../src/sim/simulate.js';

// one small run (1 business day, a tenth of the sites) shared by the tests: about 11k CDRs in under a second
const small = () => simulate({ seed: 7, days: 1, scale: 0.1 });
const run = small();
const cdrs = run.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const labels = labelsSchema.parse(run.labels);

describe('sentinela simulate: the traffic', () => {
  it('is deterministic: the same seed gives identical files, another seed different ones', () => {
    const again = small();
    assert.deepEqual(again.lines, run.lines);
    assert.deepEqual(JSON.stringify(again.labels), JSON.stringify(run.labels));
    assert.deepEqual(JSON.stringify(again.profiles), JSON.stringify(run.profiles));
    const other = simulate({ seed: 8, days: 1, scale: 0.1 });
    assert.notDeepEqual(other.lines.slice(0, 100), run.lines.slice(0, 100));
  });

  it('writes only CDRs that pass the canonical contract, with -03:00 offsets and BRL costs', () => {
    assert.ok(run.lines.length > 5000, `${run.lines.length} CDRs`);
    for (const [i, line] of run.lines.entries()) {
      const decoded = decodeCdrJson(line);
      assert.ok(decoded.ok, `line ${i + 1}: ${decoded.ok ? '' : decoded.error.message}`);
    }
    for (const c of cdrs.slice(0, 500)) {
      assert.match(String(c['startedAt']), /^2026-04-16T\d\d:\d\d:\d\d-03:00$/);
      // open offices' PBXs export no cost (labels keep the true cost)
      assert.ok(c['currency'] === 'BRL' || c['cost'] === undefined);
    }
    assert.equal(new Set(cdrs.map((c) => c['id'])).size, cdrs.length, 'ids are unique');
  });

  it('presents every caller as E.164, so the engine caller subject is the CDR field', () => {
    for (const c of cdrs) assert.match(String(c['caller']), /^\+[1-9]\d{7,14}$/);
  });

  it('orders the file by call end, except the CDRs an outage flushed late, which sit at the flush time', () => {
    assert.ok(labels.lateDeliveries.length >= 1 && (labels.lateDeliveries[0]?.cdrIds.length ?? 0) > 0, 'a labelled late flush');
    const flushAt = new Map<string, number>();
    for (const l of labels.lateDeliveries) for (const id of l.cdrIds) flushAt.set(id, Date.parse(l.until));
    let previous = -Infinity;
    for (const c of cdrs) {
      const delivered = flushAt.get(String(c['id'])) ?? Date.parse(String(c['endedAt']));
      assert.ok(delivered >= previous, `${String(c['id'])} delivered at ${delivered} after ${previous}`);
      previous = delivered;
      if (flushAt.has(String(c['id']))) assert.ok(Date.parse(String(c['endedAt'])) < delivered, 'a flushed CDR is late');
    }
  });

  it('labels: a valid labels.json whose episode and late ids all exist, one episode of each type', () => {
    const ids = new Set(cdrs.map((c) => String(c['id'])));
    for (const e of labels.episodes) {
      for (const id of e.cdrIds) assert.ok(ids.has(id), `${e.id}: ${id}`);
      assert.ok(Date.parse(e.startsAt) <= Date.parse(e.endsAt));
    }
    for (const l of labels.lateDeliveries) for (const id of l.cdrIds) assert.ok(ids.has(id));
    assert.equal(new Set(labels.episodes.map((e) => e.type)).size, labels.episodes.length);
    assert.equal(labels.episodes.length, EPISODE_TYPES.length);
    assert.equal(labels.timeZone, 'America/Sao_Paulo');
    assert.equal(labels.start, '2026-04-16T00:00:00-03:00');
    assert.equal(labels.end, '2026-04-17T00:00:00-03:00');
  });

  it('every legitimate subject appears in the CDRs, and fraud CDRs are not counted as legitimate traffic', () => {
    const seen = new Set<string>();
    const fraud = new Set(labels.episodes.flatMap((e) => e.cdrIds));
    for (const c of cdrs) {
      if (fraud.has(String(c['id']))) continue;
      for (const kind of ['caller', 'account'] as const) seen.add(`${String(c['tenant'])}|${kind}|${String(c[kind])}`);
      seen.add(`${String(c['tenant'])}|ip|${String(c['srcIp'])}`);
    }
    for (const s of labels.legitimate) assert.ok(seen.has(`${s.tenant}|${s.kind}|${s.value}`), `${s.kind}:${s.value}`);
    assert.equal(labels.legitimate.length, seen.size);
  });

  it('never lists a shared office NAT address as acceptable; attacker addresses are never legitimate', () => {
    const legitIps = new Set(labels.legitimate.filter((s) => s.kind === 'ip').map((s) => `${s.tenant}|${s.value}`));
    const attackerIps = labels.episodes.flatMap((e) => e.acceptable.filter((s) => s.kind === 'ip').map((s) => `${e.tenant}|${s.value}`));
    assert.ok(attackerIps.length >= 4, 'several episodes come from the attacker’s own address');
    for (const ip of attackerIps) assert.ok(!legitIps.has(ip), ip);
    // Wangiri's employees and companies are victims: only the calling range is acceptable
    for (const e of labels.episodes.filter((x) => x.type !== 'wangiri'))
      assert.ok(
        e.acceptable.some((s) => s.kind === 'account'),
        `${e.id} names its account`,
      );
  });

  it('traffic pumping: distinct spoofed callers, 0-6 s calls, one IRSF prefix as the engine forms it', () => {
    const ep = labels.episodes.find((e) => e.type === 'traffic-pumping');
    assert.ok(ep);
    const byId = new Map(cdrs.map((c) => [String(c['id']), c]));
    const calls = ep.cdrIds.map((id) => byId.get(id) as Record<string, unknown>);
    const prefix = ep.acceptable.find((s) => s.kind === 'destPrefix')?.value;
    assert.match(prefix ?? '', /^\+\d{4}$/);
    for (const c of calls) {
      assert.ok(String(c['callee']).startsWith(prefix as string));
      assert.ok(Number(c['billSec']) <= 6);
    }
    assert.ok(new Set(calls.map((c) => c['caller'])).size >= 20);
  });
});

describe('sentinela simulate: the population', () => {
  const pop = run.population;
  it('offices: 5-60 extensions with their own DIDs behind one NAT address and one account', () => {
    const offices = pop.sites.filter((s) => s.kind === 'sme-office' || s.kind === 'intl-office');
    assert.ok(offices.length >= 9);
    for (const s of offices) {
      assert.ok(s.lines.length >= 5 && s.lines.length <= 60, `${s.account}: ${s.lines.length}`);
      assert.equal(new Set(s.lines.map((l) => l.did)).size, s.lines.length);
    }
    assert.equal(new Set(pop.sites.map((s) => s.ip)).size, pop.sites.length, 'one address per site');
    const accountsPerIp = new Map<string, Set<string>>();
    const fraud = new Set(labels.episodes.flatMap((e) => e.cdrIds));
    for (const c of cdrs) {
      if (c['direction'] === 'inbound' || fraud.has(String(c['id']))) continue;
      const set = accountsPerIp.get(String(c['srcIp'])) ?? new Set<string>();
      set.add(String(c['account']));
      accountsPerIp.set(String(c['srcIp']), set);
    }
    for (const [ip, accounts] of accountsPerIp) assert.equal(accounts.size, 1, `${ip}: ${[...accounts].join(', ')}`);
  });

  it('inbound: carriers’ SBC addresses deliver outside callers to several companies’ DIDs', () => {
    const inbound = cdrs.filter((c) => c['direction'] === 'inbound');
    assert.ok(inbound.length > 500);
    const sbcs = new Set(pop.tenants.flatMap((t) => t.sbcs));
    const companies = new Map<string, Set<string>>();
    for (const c of inbound) {
      assert.ok(sbcs.has(String(c['srcIp'])), String(c['srcIp']));
      assert.ok(c['cost'] === 0 || c['cost'] === undefined);
      companies.set(String(c['srcIp']), (companies.get(String(c['srcIp'])) ?? new Set()).add(String(c['account'])));
    }
    assert.ok([...companies.values()].some((accounts) => accounts.size >= 3));
  });

  it('intl-offices are allow-list or quota accounts, both kinds present', () => {
    const intl = pop.sites.filter((s) => s.kind === 'intl-office').map((s) => s.intl?.policy);
    assert.ok(intl.includes('allow') && intl.includes('quota'));
  });
});
