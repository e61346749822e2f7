import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ClickHouseSecurityStore } from '../../src/adapters/clickhouse/security-store.js';
import { SessionBook, UNKNOWN_TOKENS_PER_MINUTE } from '../../src/security/sessions.js';
import { createTestDatabase, type TestClickHouse } from '../rig/clickhouse.js';
import { migrated, NOW } from '../processor/rig.js';

const guess = () => `${randomBytes(12).toString('base64url')}.${randomBytes(32).toString('base64url')}`;

describe('session tokens guessed from one address (chDB)', () => {
  let ch: TestClickHouse;
  before(async () => {
    ch = await createTestDatabase();
    await migrated(ch);
  });
  after(() => ch.drop());

  it('stop costing a store read after the limit, for that address only and for a minute; real sessions keep working', async () => {
    const store = new ClickHouseSecurityStore(ch.client, ch.database);
    let reads = 0;
    const loadSession = store.loadSession.bind(store);
    store.loadSession = (id) => (reads++, loadSession(id));
    const book = new SessionBook(store);
    const history = { lastLogin: null, lastFailure: null, failuresSince: 0 };
    const { token } = await book.open({ user: 'ana', role: 'operator', tenant: 'acme', extensions: [], ip: '198.51.100.7', method: 'password', history }, NOW);
    for (let i = 0; i < 3 * UNKNOWN_TOKENS_PER_MINUTE; i++) assert.equal((await book.check(guess(), '203.0.113.9', NOW + i)).ok, false);
    assert.equal(reads, UNKNOWN_TOKENS_PER_MINUTE, 'the guesses past the limit are answered without a read');
    assert.equal((await book.check(guess(), '203.0.113.10', NOW + 100)).ok, false);
    assert.equal(reads, UNKNOWN_TOKENS_PER_MINUTE + 1, 'another address still reads');
    assert.equal((await book.check(token, '198.51.100.7', NOW + 200)).ok, true, 'a real session is unaffected');
    await book.check(guess(), '203.0.113.9', NOW + 60_001);
    assert.equal(reads, UNKNOWN_TOKENS_PER_MINUTE + 2, 'a minute later the address reads again');
  });
});
