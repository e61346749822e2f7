import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEdgeOptions } from '../../src/edge/options.js';
import { SentinelaError } from '../../src/errors.js';

describe('edge nft options', () => {
  it('applies every tenant by default, or the comma-separated --tenants (a flag winning over its variable)', () => {
    assert.equal(parseEdgeOptions({}, {}).tenants, undefined);
    assert.deepEqual(parseEdgeOptions({}, { SENTINELA_EDGE_TENANTS: ' acme, globex ,' }).tenants, ['acme', 'globex']);
    assert.deepEqual(parseEdgeOptions({ tenants: 'initech' }, { SENTINELA_EDGE_TENANTS: 'acme' }).tenants, ['initech']);
  });

  it('refuses a tenant list that names no tenant or a bad name, naming the flag and its variable', () => {
    for (const value of [' , ', 'acme,bad name']) {
      assert.throws(
        () => parseEdgeOptions({}, { SENTINELA_EDGE_TENANTS: value }),
        (e: unknown) => e instanceof SentinelaError && e.code === 'CONFIG_INVALID' && e.message.startsWith('--tenants (SENTINELA_EDGE_TENANTS): '),
        value,
      );
    }
  });
});
