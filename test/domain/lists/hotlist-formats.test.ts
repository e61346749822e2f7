import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEntry } from '../../../src/domain/lists/hotlist-entry.js';
import { apibanPage, hotlistCsv, parseApibanPage, parseHotlistCsv } from '../../../src/domain/lists/hotlist-formats.js';
import { alertRange } from '../../../src/lists/hotlists.js';
import { redactFeed } from '../../../src/lists/sync.js';

const NOW = Date.parse('2026-03-02T13:00:00Z');
const DAY = 86_400_000;

describe('hotlist formats: CSV and APIBAN-style pages, both directions (G4)', () => {
  it('reads CSV rows with defaults, and rejects bad rows with their line and reason', () => {
    const text = [
      'type,value,tenant,source,category,expires_at,reason',
      '# Eritrea mobile range seen in a wholesale IRSF attack',
      'number,+2917,,,irsf,30d,pumped in April',
      'ip,203.0.113.0/24,*,apiban,,,',
      '',
      'email,x@y,,,,,',
      'number,+3712,acme,,,yesterday,',
      'number,+881,acme,,,2026-04-01T00:00:00Z,',
    ].join('\n');
    const parsed = parseHotlistCsv(text, { tenant: 'acme', source: 'file:list.csv', ttlMs: 7 * DAY, now: NOW });
    assert.deepEqual(
      parsed.rows.map((r) => [r.line, r.input.kind, r.input.value, r.input.tenant, r.input.source, r.input.category, r.input.expiresAt]),
      [
        [3, 'number', '+2917', 'acme', 'file:list.csv', 'irsf', NOW + 30 * DAY],
        [4, 'ip', '203.0.113.0/24', '', 'apiban', undefined, NOW + 7 * DAY],
        [8, 'number', '+881', 'acme', 'file:list.csv', undefined, Date.parse('2026-04-01T00:00:00Z')],
      ],
    );
    assert.deepEqual(
      parsed.rejected.map((r) => [r.line, r.value]),
      [
        [6, 'x@y'],
        [7, '+3712'],
      ],
    );
    assert.match(parsed.rejected[0]?.reason ?? '', /expected ip or number/);
    assert.deepEqual(parseHotlistCsv('value\n1.2.3.4', { tenant: '', source: 's', now: NOW }).rejected[0]?.reason, 'the header needs at least type,value');
  });

  it('reads APIBAN pages, "no new bans" included, and writes them with the highest version as the ID', () => {
    assert.deepEqual(parseApibanPage({ ipaddress: ['192.0.2.1', '198.51.100.2'], ID: '1700000001' }), {
      ips: ['192.0.2.1', '198.51.100.2'],
      removed: [],
      next: '1700000001',
    });
    assert.deepEqual(parseApibanPage({ ipaddress: ['no new bans'], ID: 'none' }), { ips: [], removed: [], next: null });
    assert.equal(parseApibanPage({ ipaddress: 'x', ID: '1' }), undefined);
    // Sentinela's own feed lists removals apart; a malformed list makes the page unreadable, not silently partial
    assert.deepEqual(parseApibanPage({ ipaddress: [], removed: ['192.0.2.9'], ID: '1700000002' }), { ips: [], removed: ['192.0.2.9'], next: '1700000002' });
    assert.equal(parseApibanPage({ ipaddress: [], removed: '192.0.2.9', ID: '1' }), undefined);
    const entries = [10, 20].map((v, i) => {
      const made = makeEntry({ kind: 'ip', value: `192.0.2.${i + 1}`, tenant: '', source: 'apiban', expiresAt: null }, { now: NOW, by: 't', version: v });
      assert.ok(made.ok);
      return made.value;
    });
    const removed = { ...(entries[1] as (typeof entries)[number]), removedAt: NOW };
    assert.deepEqual(apibanPage([entries[0] as (typeof entries)[number], removed], NOW), { ipaddress: ['192.0.2.1'], removed: ['192.0.2.2'], ID: '20' });
    assert.deepEqual(apibanPage([], NOW), { ipaddress: ['no new bans'], ID: 'none' });
    assert.equal(
      hotlistCsv(entries),
      'type,value,tenant,source,category,expires_at,reason\nip,192.0.2.1,*,apiban,sip-scanner,never,\nip,192.0.2.2,*,apiban,sip-scanner,never,\n',
    );
  });

  it('a confirmed alert names its range: the subject, or the prefix its evidence callees share', () => {
    assert.equal(alertRange({ subject: { kind: 'destPrefix', value: '+2917' } }, []), '+2917');
    assert.equal(alertRange({ subject: { kind: 'caller', value: '+551130001000' } }, ['+29171234567', '+29171239999', '+29171780000']), '+29171');
    assert.equal(alertRange({ subject: { kind: 'account', value: 'sales' } }, ['+29171234567', '+29171234568']), '+2917123', 'a range, not one number');
    assert.equal(alertRange({ subject: { kind: 'account', value: 'sales' } }, ['+29171234567']), '+29171234567');
    assert.equal(alertRange({ subject: { kind: 'account', value: 'sales' } }, ['+29171234567', '+5511999998888']), undefined, 'no shared range');
    assert.equal(alertRange({ subject: { kind: 'ip', value: '203.0.113.9' } }, []), undefined);
    // an APIBAN key travels in the URL path: never stored, audited or shown
    assert.equal(redactFeed('https://apiban.org/api/0123456789abcdef/banned/{id}'), 'https://apiban.org/api/***/banned/{id}');
    assert.equal(redactFeed('http://127.0.0.1:8080/v1/lists/ips'), 'http://127.0.0.1:8080/v1/lists/ips');
  });
});
