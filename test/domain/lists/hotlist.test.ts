import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BlockTable } from '../../../src/domain/blocks/block-table.js';
import { decide } from '../../../src/domain/blocks/decision.js';
import { parseCdr } from '../../../src/domain/cdr/parse.js';
import type { CdrInput } from '../../../src/domain/cdr/contract.js';
import { createEngine } from '../../../src/domain/engine/build.js';
import { checkNumber, checkIp, makeEntry, type HotlistEntry, type HotlistInput } from '../../../src/domain/lists/hotlist-entry.js';
import { HotlistHolder, HotlistIndex } from '../../../src/domain/lists/hotlist.js';
import { addressBits, parseIpPrefix } from '../../../src/domain/lists/ip-prefix.js';
import { DEFAULT_RULES } from '../engine/harness.js';
import { pinned } from '../../rig/property.js';

/** Fixed clock: every test judges expiry against this instant (G4, F4). */
const NOW = Date.parse('2026-03-02T10:00:00-03:00');
const DAY = 86_400_000;
let version = 0;

function entry(input: Partial<HotlistInput> & Pick<HotlistInput, 'kind' | 'value'>, madeAt = NOW): HotlistEntry {
  const made = makeEntry(
    { tenant: '', source: 'test', expiresAt: NOW + DAY, ...input },
    { now: madeAt, by: 'test', version: ++version, homeCountryCode: '55' },
  );
  assert.ok(made.ok, made.ok ? '' : made.reason);
  return made.value;
}

describe('hotlist entries (G4, F4)', () => {
  it('normalises numbers and IPs, and refuses what would cover an emergency number', () => {
    assert.deepEqual(checkNumber('+291 7X'), { ok: true, value: '+2917' });
    assert.deepEqual(checkNumber('2917123'), { ok: true, value: '+2917123' });
    for (const bad of ['190', '112', '19', '1', '+55190', '+551900000', '+55', '911']) {
      const r = checkNumber(bad, '55');
      assert.equal(r.ok, false, bad);
      assert.match(r.ok ? '' : r.reason, /emergency number/, bad);
    }
    assert.equal(checkNumber('+5511').ok, true, 'a DDD range is not an emergency number');
    assert.equal(checkNumber('abc').ok, false);
    assert.deepEqual(checkIp('198.51.100.77/24'), { ok: true, value: '198.51.100.0/24' });
    assert.deepEqual(checkIp('2001:DB8:0:0::1'), { ok: true, value: '2001:db8::1' });
    assert.equal(checkIp('0.0.0.0/0').ok, false, 'a /0 would refuse every call');
    assert.equal(checkIp('300.1.1.1').ok, false);
  });

  it('looks up the longest prefix, tenant and global, judging expiry and removal at `now`', () => {
    const index = new HotlistIndex([
      entry({ kind: 'number', value: '+2917', source: 'file:irsf.csv' }),
      entry({ kind: 'number', value: '+291712', tenant: 'acme', source: 'alert:a1', expiresAt: NOW + 90 * DAY }),
      entry({ kind: 'number', value: '+3712', expiresAt: NOW + 1000 }),
      { ...entry({ kind: 'number', value: '+8823' }), removedAt: NOW - 1 },
      entry({ kind: 'ip', value: '203.0.113.0/24', source: 'apiban' }),
      entry({ kind: 'ip', value: '203.0.113.9', tenant: 'acme', source: 'operator:ana' }),
      entry({ kind: 'ip', value: '2001:db8::/32' }),
    ]);
    assert.equal(index.number('acme', '+29171234567', NOW)?.source, 'alert:a1');
    assert.equal(index.number('other', '+29171234567', NOW)?.source, 'file:irsf.csv', 'another tenant sees only the global entry');
    assert.equal(index.number('acme', '+3712345678', NOW + 999)?.value, '+3712');
    assert.equal(index.number('acme', '+3712345678', NOW + 1000), undefined, 'expired at its expiry');
    assert.equal(index.number('acme', '+88231234', NOW), undefined, 'removed');
    assert.equal(index.ip('acme', '203.0.113.9', NOW)?.source, 'operator:ana');
    assert.equal(index.ip('other', '203.0.113.9', NOW)?.source, 'apiban');
    assert.equal(index.ip('acme', '203.0.114.1', NOW), undefined);
    assert.equal(index.ip('acme', '2001:db8:1::5', NOW)?.value, '2001:db8::/32');
    assert.deepEqual(
      index.hotRanges('acme', NOW).map((r) => [r.list, r.prefix, r.source]),
      [
        ['hotlist', '2917', 'file:irsf.csv'],
        ['hotlist', '3712', 'test'],
        ['hotlist', '291712', 'alert:a1'],
      ],
    );
  });

  it('finds what a naive scan of every entry finds (property, numbers and IPv4 CIDR)', () => {
    const digits = fc.stringMatching(/^[1-9][0-9]{1,7}$/);
    const octet = fc.integer({ min: 0, max: 255 });
    const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
    fc.assert(
      fc.property(
        fc.array(fc.record({ tenant: fc.constantFrom('', 'acme', 'beta'), prefix: digits, ttl: fc.integer({ min: -5, max: 5 }) }), { maxLength: 30 }),
        fc.array(fc.record({ tenant: fc.constantFrom('', 'acme'), ip: v4, len: fc.integer({ min: 8, max: 32 }), ttl: fc.integer({ min: -5, max: 5 }) }), {
          maxLength: 30,
        }),
        fc.array(fc.tuple(fc.constantFrom('acme', 'beta'), fc.stringMatching(/^[1-9][0-9]{7,11}$/), v4), { minLength: 1, maxLength: 20 }),
        (numbers, ips, probes) => {
          const entries = [
            ...numbers.flatMap((n) => {
              const made = makeEntry(
                { kind: 'number', value: `+${n.prefix}`, tenant: n.tenant, source: 's', expiresAt: NOW + n.ttl * 1000 + 1 },
                { now: NOW - 10_000, by: 't', version: 1, homeCountryCode: '55' },
              );
              return made.ok ? [made.value] : [];
            }),
            ...ips.map((i) => entry({ kind: 'ip', value: `${i.ip}/${i.len}`, tenant: i.tenant, expiresAt: NOW + i.ttl * 1000 + 1 }, NOW - 10_000)),
          ];
          const index = new HotlistIndex(entries);
          for (const [tenant, number, ip] of probes) {
            const live = entries.filter((e) => (e.tenant === '' || e.tenant === tenant) && (e.expiresAt ?? Infinity) > NOW);
            const numberHits = live.filter((e) => e.kind === 'number' && `+${number}`.startsWith(e.value));
            const longestNumber = Math.max(0, ...numberHits.map((e) => e.value.length));
            assert.equal(index.number(tenant, `+${number}`, NOW)?.value.length ?? 0, longestNumber);
            const bits = addressBits(ip)?.bits ?? 0n;
            const ipHits = live.filter((e) => {
              const p = e.kind === 'ip' ? parseIpPrefix(e.value) : undefined;
              return p !== undefined && p.bits === (bits >> BigInt(32 - p.len)) << BigInt(32 - p.len);
            });
            const longestIp = Math.max(-1, ...ipHits.map((e) => parseIpPrefix(e.value)?.len ?? 0));
            assert.equal(index.ip(tenant, ip, NOW) === undefined ? -1 : (parseIpPrefix(index.ip(tenant, ip, NOW)?.value ?? '')?.len ?? 0), longestIp);
          }
        },
      ),
      pinned({ numRuns: 300, seed: 16 }),
    );
  });
});

describe('hotlisted IPs and ranges deny calls (block-check and the CDR engine)', () => {
  const holder = new HotlistHolder();
  holder.index = new HotlistIndex([
    entry({ kind: 'ip', value: '203.0.113.0/24', source: 'apiban', category: 'sip-scanner' }),
    entry({ kind: 'number', value: '+2917', tenant: 'acme', source: 'alert:a1', category: 'confirmed-attack' }),
  ]);
  const engine = createEngine(
    DEFAULT_RULES,
    { timeZone: 'America/Sao_Paulo', dialPlan: { homeCountry: 'BR', defaultDdd: '11', internationalPrefix: '00' } },
    { hotlist: holder },
  );
  const cdr = (id: string, fields: Partial<CdrInput>) => {
    const input: CdrInput = {
      id,
      tenant: 'acme',
      account: 'sales',
      caller: '+551130001000',
      callee: '+551140001234',
      startedAt: NOW,
      answeredAt: NOW,
      endedAt: NOW + 30_000,
      durationSec: 30,
      billSec: 30,
      disposition: 'ANSWERED',
      direction: 'outbound',
      ...fields,
    };
    const parsed = parseCdr(input);
    assert.ok(parsed.ok);
    return parsed.cdr;
  };
  const lists = { allow: [], deny: [] };

  it('block-check refuses a hotlisted callee range and source address, naming rule, subject, source and expiry', () => {
    const event = engine.describe(cdr('d1', { callee: '00291 7123456', srcIp: '203.0.113.50' }));
    const d = decide(event, lists, new BlockTable(), NOW, holder.index);
    assert.equal(d.action, 'block');
    assert.deepEqual(
      d.reasons.filter((r) => r.rule === 'hotlist').map((r) => [r.subject, r.source, r.category, r.expiresAt]),
      [
        ['ip:203.0.113.50', 'apiban', 'sip-scanner', new Date(NOW + DAY).toISOString()],
        ['destination:+2917123456', 'alert:a1', 'confirmed-attack', new Date(NOW + DAY).toISOString()],
      ],
    );
    const other = engine.describe(cdr('d2', { tenant: 'beta', callee: '+2917123456' }));
    assert.equal(decide(other, lists, new BlockTable(), NOW, holder.index).reasons.filter((r) => r.rule === 'hotlist').length, 0, "acme's range is acme's");
    assert.equal(decide(event, lists, new BlockTable(), NOW + DAY, holder.index).reasons.filter((r) => r.rule === 'hotlist').length, 0, 'expired');
  });

  it('lets emergency calls through even from a hotlisted address', () => {
    const event = engine.describe(cdr('e1', { callee: '190', srcIp: '203.0.113.50' }));
    assert.deepEqual(decide(event, lists, new BlockTable(), NOW, holder.index), { action: 'allow', reasons: [], emergency: true });
  });

  it('the CDR engine raises a critical hotlist alert with the entry and its source in details', () => {
    const out = engine.process(cdr('c1', { callee: '+2917123456' }), NOW + 60_000);
    const alert = out.verdicts.find((v) => v.rule === 'hotlist');
    assert.ok(alert?.kind === 'alert', JSON.stringify(out.verdicts));
    assert.deepEqual([alert.kind, alert.severity, `${alert.subject.kind}:${alert.subject.value}`], ['alert', 'critical', 'destination:+2917123456']);
    assert.equal(alert.details['source'], 'alert:a1');
    assert.equal(alert.details['entry'], '+2917');
    assert.equal(alert.details['entryTenant'], 'acme');
    const emergency = engine.process(cdr('c2', { callee: '190', srcIp: '203.0.113.50' }), NOW + 60_000);
    assert.deepEqual([emergency.status, emergency.verdicts], ['emergency', []]);
  });
});
