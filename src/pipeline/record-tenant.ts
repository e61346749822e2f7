import type { RecordResult } from '../domain/cdr/formats/registry.js';
import { SentinelaError } from '../errors.js';

/** A record of another tenant than its source's (a PBX key's) is refused, never written under the key. */
export function bindTenant(result: RecordResult, tenant: string): RecordResult {
  if (!result.ok) return result;
  const own = 'cdr' in result ? result.cdr.tenant : result.event.tenant;
  if (own === tenant) return result;
  return {
    ok: false,
    error: new SentinelaError('CDR_TENANT_FORBIDDEN', `this API key is for tenant ${tenant}; the record is for tenant ${own}`, { path: 'tenant' }),
  };
}
