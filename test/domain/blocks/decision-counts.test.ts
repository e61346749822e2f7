import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecisionCounts, decisionOf, MAX_TENANTS_PER_MINUTE, OTHER_TENANT } from '../../../src/domain/blocks/decision-counts.js';

const T0 = Date.parse('2026-12-03T10:00:00Z');

describe('block-check decisions counted per tenant and minute (issue 17)', () => {
  it('an answer counts as its fail policy while degraded, else as its action', () => {
    assert.equal(decisionOf({ action: 'allow', policy: 'normal' }), 'allow');
    assert.equal(decisionOf({ action: 'throttle', policy: 'normal' }), 'throttle');
    assert.equal(decisionOf({ action: 'block', policy: 'normal' }), 'block');
    assert.equal(decisionOf({ action: 'allow', policy: 'fail-open' }), 'fail-open');
    assert.equal(decisionOf({ action: 'block', policy: 'fail-closed' }), 'fail-closed');
  });

  it('takes the minutes that ended, each tenant a row, stamped with the take; the minute under way waits', () => {
    const counts = new DecisionCounts('replica-a');
    counts.add('acme', 'allow', T0 + 1_000);
    counts.add('acme', 'allow', T0 + 59_999);
    counts.add('acme', 'shed', T0 + 30_000);
    counts.add('globex', 'fail-closed', T0 + 2_000);
    counts.add('acme', 'block', T0 + 60_000);
    const zero = { allow: 0, block: 0, throttle: 0, failOpen: 0, failClosed: 0, shed: 0 };
    assert.deepEqual(counts.take(T0 + 90_000), [
      { ...zero, minute: T0, tenant: 'acme', allow: 2, shed: 1, take: 'replica-a:0' },
      { ...zero, minute: T0, tenant: 'globex', failClosed: 1, take: 'replica-a:0' },
    ]);
    assert.deepEqual(counts.take(T0 + 90_000), [], 'taken once');
    assert.deepEqual(counts.take(), [{ ...zero, minute: T0 + 60_000, tenant: 'acme', block: 1, take: 'replica-a:2' }], 'shutdown takes the rest');
  });

  it('counts at most so many tenants a minute apart; the rest fall together', () => {
    const counts = new DecisionCounts('replica-b');
    for (let i = 0; i < MAX_TENANTS_PER_MINUTE + 50; i++) counts.add(`tenant-${i}`, 'shed', T0);
    counts.add('tenant-0', 'allow', T0);
    const rows = counts.take();
    assert.equal(rows.length, MAX_TENANTS_PER_MINUTE + 1);
    assert.equal(rows.find((r) => r.tenant === OTHER_TENANT)?.shed, 50);
    assert.equal(rows.find((r) => r.tenant === 'tenant-0')?.allow, 1, 'a tenant already counted keeps its row');
  });
});
